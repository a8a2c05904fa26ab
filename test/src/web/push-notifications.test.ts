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

/** What the stand-in push service gave the page, and what the app asked of it. */
interface StandInRecord {
  permissionAsks: number;
  subscribeCalls: Array<{ userVisibleOnly: boolean | undefined; applicationServerKey: string }>;
}

/**
 * Runs in the page before the app. Headless Chromium's push service is Google's (FCM), which
 * this closed network cannot reach, so `PushManager.subscribe` would fail here. This replaces
 * only the browser's side of it: `subscribe` and `getSubscription` answer a subscription whose
 * endpoint is the test's local push service and whose keys that service generated (the
 * browser vendor's service, stood in for). Everything of natter's runs as it would: the app,
 * its service worker, the server, its queue, `web-push`'s encryption and VAPID signature. The
 * permission prompt is counted (and still asked) to show it comes only after the click.
 */
function standInPushService(subscription: { endpoint: string; keys: { p256dh: string; auth: string } }): string {
  // A string, as the page runs it: the test's TypeScript has no DOM types (see chat-app.test.ts).
  return `(() => {
    const subscription = ${JSON.stringify(subscription)};
    // about:blank (the page while away) has no push and no storage of its own.
    if (typeof PushManager === "undefined" || location.protocol !== "http:") return;
    const record = { permissionAsks: 0, subscribeCalls: [] };
    globalThis.__natterPush = record;
    const bytes = (text) =>
      Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (char) => char.charCodeAt(0)).buffer;
    const text = (buffer) =>
      btoa(String.fromCharCode(...new Uint8Array(buffer))).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    // The browser keeps a subscription across page loads: so does the stand-in (this runs on each).
    const STORED = "natter-test.stand-in-subscription";
    const make = (applicationServerKey) => ({
      endpoint: subscription.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true, applicationServerKey },
      getKey: (name) => bytes(subscription.keys[name]),
      toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys }),
      unsubscribe: async () => {
        localStorage.removeItem(STORED);
        return true;
      },
    });
    const askPermission = Notification.requestPermission.bind(Notification);
    Notification.requestPermission = () => {
      record.permissionAsks += 1;
      return askPermission();
    };
    PushManager.prototype.subscribe = async (options) => {
      const key = options?.applicationServerKey;
      const applicationServerKey =
        key instanceof ArrayBuffer ? key : ArrayBuffer.isView(key) ? new Uint8Array(key.buffer, key.byteOffset, key.byteLength).slice().buffer : bytes(String(key));
      record.subscribeCalls.push({ userVisibleOnly: options?.userVisibleOnly, applicationServerKey: text(applicationServerKey) });
      localStorage.setItem(STORED, text(applicationServerKey));
      return make(applicationServerKey);
    };
    PushManager.prototype.getSubscription = async () => {
      const key = localStorage.getItem(STORED);
      return key === null ? null : make(bytes(key));
    };
  })()`;
}

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
 * are away is pushed (decrypted by the local push service) and shown by the service worker,
 * and a click on it shows the room.
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

  it("turns notifications on after a click, shows a mention pushed while away, and opens its room on a click", async () => {
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
    const cdp = await context.newCDPSession(page);
    const registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> = [];
    cdp.on("ServiceWorker.workerRegistrationUpdated", (event) => registrations.push(...event.registrations));
    await cdp.send("ServiceWorker.enable");
    await expect.poll(() => registrations.find((r) => r.scopeURL === `${server.url}/` && !r.isDeleted)).toBeTruthy();
    const registrationId = registrations.find((r) => r.scopeURL === `${server.url}/`)?.registrationId as string;

    // Away: natter is open nowhere, so a mention is pushed.
    await page.goto("about:blank");
    await mentionUntilPushed(push, name, () => send(server.url, bob, room.id, `@${alice.username} noodles at one?`));
    expect(push.errors).toEqual([]);
    const pushed = push.to(name).at(-1);
    expect(pushed?.vapidValid).toBe(true);
    const notification = pushed?.notification;
    expect(notification).toMatchObject({ roomId: room.id, body: expect.stringContaining("noodles at one?") });
    await cdp.send("ServiceWorker.deliverPushMessage", {
      origin: server.url,
      registrationId,
      data: JSON.stringify(notification),
    });
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

    // Back at natter (its room list), the person clicks the notification: the tab shows the room.
    // A click while natter is open in no tab (the worker's clients.openWindow) is not tested: Chromium
    // lets a worker open a window only in a notificationclick it dispatched itself for a person's
    // click on a shown notification; one dispatched from script, as here, is refused ("InvalidAccessError:
    // Not allowed to open a window.", tried at about:blank on 2026-12-06), and headless Chromium shows
    // no notification to click, nor does the DevTools protocol offer a click.
    await page.goto(server.url);
    await page.getByText("Signed in as").waitFor();
    await worker.evaluate(`registration.getNotifications().then(([shown]) => {
      if (shown) dispatchEvent(new NotificationEvent("notificationclick", { notification: shown }));
    })`);
    await page.waitForURL(`${server.url}/rooms/${room.id}`);
    await page.getByRole("heading", { name: "lunch plans" }).waitFor();
    await page.getByText("noodles at one?").first().waitFor();
    await expect.poll(() => shownNotifications(worker)).toEqual([]);

    // Off again: natter forgets the subscription.
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("button", { name: "Turn off notifications" }).click();
    await page.getByText("Notifications are off in this browser.").waitFor();
    const after = await rest(server.url, "GET", "/me/push-subscriptions", { token: alice.token });
    expect(after.body.subscriptions).toEqual([]);
    expect(problems).toEqual({ consoleErrors: [], offMachineRequests: [] });
    await context.close();
  });
});
