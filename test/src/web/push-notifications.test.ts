import type { Browser, BrowserContext, Worker } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  type PushService,
  rest,
  signUpMany,
  startPushService,
  startTestServer,
  type TestServer,
} from "../harness/index.js";
import { send } from "../messages/room-fixtures.js";
import { mentionUntilPushed } from "../push/push-fixtures.js";
import { axeViolations, browserAvailable, launchChromium, openContext, screenshot } from "./browser.js";
import { pushDelivery, type StandInRecord, standInPushService } from "./web-push-fixtures.js";

/** The notifications the service worker shows now. */
function shownNotifications(worker: Worker) {
  return worker.evaluate<Array<{ title: string; body: string; tag: string; data: unknown }>>(
    `registration.getNotifications().then((shown) => shown.map(({ title, body, tag, data }) => ({ title, body, tag, data })))`,
  );
}

/** natter's service worker in `context`, started (again) if the browser stopped it. */
async function serviceWorker(context: BrowserContext): Promise<Worker> {
  return context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
}

/**
 * Web Push in the web app, in Chromium: the person turns notifications on from the Account
 * screen (the permission asked only then), natter keeps the subscription, a mention while they
 * are away is pushed (decrypted by the local push service) and shown by the service worker
 * (a person's click on it: notification-clicks.test.ts).
 */
describe.runIf(browserAvailable())("Web Push in the web app", { timeout: 120_000 }, () => {
  let server: TestServer;
  let push: PushService;
  let browser: Browser;

  beforeAll(async () => {
    push = await startPushService();
    server = await startTestServer({ config: { pushAllowPrivateNetworks: true, pushPollIntervalMs: 100 } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await push?.close();
  });

  it("turns notifications on after a click, shows a mention pushed while away, and turns them off", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const room = await createRoom(server.url, bob.token, { name: "lunch plans", memberIds: [alice.id] });
    const name = `web-${alice.id}`;
    const standIn = push.subscription(name);
    const { context, page, problems } = await openContext(browser);
    await context.grantPermissions(["notifications"], { origin: server.url });
    await context.addInitScript(
      `if (location.protocol === "http:") localStorage.setItem("natter.token", ${JSON.stringify(alice.token)})`,
    );
    await context.addInitScript(standInPushService({ endpoint: standIn.endpoint, keys: standIn.keys }));
    const record = () => page.evaluate<StandInRecord>("globalThis.__natterPush");

    await page.goto(server.url);
    await page.getByText("Signed in as").waitFor();
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByText("Notifications are off in this browser.").waitFor();
    expect((await record()).permissionAsks).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Turn on notifications" }).click();
    await page.getByText("Notifications are on in this browser.").waitFor();
    await screenshot(page, "push-01-notifications-on");
    expect(await axeViolations(page)).toEqual([]);

    const { publicKey } = (await rest(server.url, "GET", "/push/vapid-public-key")).body;
    expect(await record()).toEqual({
      permissionAsks: 1,
      subscribeCalls: [{ userVisibleOnly: true, applicationServerKey: publicKey }],
    });
    const stored = await rest(server.url, "GET", "/me/push-subscriptions", { token: alice.token });
    expect(stored.body.subscriptions.map((s: { endpoint: string }) => s.endpoint)).toEqual([standIn.endpoint]);
    const scriptUrl = await page.evaluate<string | null>(
      "navigator.serviceWorker.getRegistration().then((registration) => registration?.active?.scriptURL ?? null)",
    );
    expect(scriptUrl).toBe(`${server.url}/sw.js`);

    // The DevTools protocol delivers a push to the worker as the browser's push service would.
    const deliver = await pushDelivery(context, page, server.url);

    // Away: natter is open nowhere, so a mention is pushed.
    await page.goto("about:blank");
    await mentionUntilPushed(push, name, () => send(server.url, bob, room.id, `@${alice.username} noodles at one?`));
    expect(push.errors).toEqual([]);
    const pushed = push.to(name).at(-1);
    expect(pushed?.vapidValid).toBe(true);
    const notification = pushed?.notification;
    expect(notification).toMatchObject({ roomId: room.id, body: expect.stringContaining("noodles at one?") });
    if (!notification) throw new Error("no push");
    await deliver(notification);
    const worker = await serviceWorker(context);
    await expect
      .poll(() => shownNotifications(worker))
      .toEqual([
        {
          title: notification?.title,
          body: notification?.body,
          tag: room.id,
          data: { roomId: room.id, messageId: notification?.messageId, url: `/rooms/${room.id}` },
        },
      ]);
    expect(notification?.title).toBe(`${bob.username} mentioned you in lunch plans`);

    // Off again: natter forgets the subscription.
    await page.goto(server.url);
    await page.getByText("Signed in as").waitFor();
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("button", { name: "Turn off notifications" }).click();
    await page.getByText("Notifications are off in this browser.").waitFor();
    const after = await rest(server.url, "GET", "/me/push-subscriptions", { token: alice.token });
    expect(after.body.subscriptions).toEqual([]);
    expect(problems).toEqual({ consoleErrors: [], offMachineRequests: [] });
    await context.close();
  });
});
