import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  type PushService,
  type ReceivedPush,
  signUpMany,
  startPushService,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";
import { send, waitFor } from "../messages/room-fixtures.js";
import { mentionUntilPushed } from "../push/push-fixtures.js";
import { type ChromiumProfile, launchChromiumProfile, screenshot } from "./browser.js";
import {
  type DesktopNotification,
  desktopNotificationsAvailable,
  type NotificationServer,
  startNotificationServer,
} from "./desktop-notifications.js";
import { pushDelivery, standInPushService } from "./web-push-fixtures.js";

/**
 * A person's click on natter's notification, the way a Linux desktop delivers it: Chromium
 * shows the notification through the desktop's notification server on D-Bus (here the test's,
 * on a private bus) and, when the server signals the click (`ActionInvoked`), fires the service
 * worker's `notificationclick` as for any click; only such a click lets the worker open a
 * window. The notification is a mention natter pushed while the person was away, through its
 * queue to the local push service, which decrypted it; the browser's push service is stood in
 * for (see `standInPushService`).
 */
describe.runIf(desktopNotificationsAvailable())("a click on a notification", { timeout: 120_000 }, () => {
  let push: PushService;
  let server: TestServer;
  let desktop: NotificationServer;
  let chromium: ChromiumProfile;
  /** A page of another origin that keeps the browser open while natter is open in no tab. */
  let blank: Page;
  let deliver: (notification: ReceivedPush["notification"]) => Promise<void>;
  let alice: TestUser;
  let bob: TestUser;
  const name = "notification-clicks";

  beforeAll(async () => {
    push = await startPushService();
    server = await startTestServer({ config: { pushAllowPrivateNetworks: true, pushPollIntervalMs: 100 } });
    desktop = await startNotificationServer();
    chromium = await launchChromiumProfile(desktop.env);
    [alice, bob] = await signUpMany(server.url, 2);
    const { context } = chromium;
    await context.grantPermissions(["notifications"], { origin: server.url });
    await context.addInitScript(
      `if (location.protocol === "http:") localStorage.setItem("natter.token", ${JSON.stringify(alice.token)})`,
    );
    const standIn = push.subscription(name);
    await context.addInitScript(standInPushService({ endpoint: standIn.endpoint, keys: standIn.keys }));
    blank = context.pages()[0] ?? (await context.newPage());
    // The person turns notifications on in natter, then closes it.
    const natter = await context.newPage();
    await natter.goto(server.url);
    await natter.getByText("Signed in as").waitFor();
    await natter.getByRole("link", { name: "Account" }).click();
    await natter.getByRole("button", { name: "Turn on notifications" }).click();
    await natter.getByText("Notifications are on in this browser.").waitFor();
    deliver = await pushDelivery(context, blank, server.url);
    await natter.close();
    // Two servers, a bus, a browser and a turn-on through the UI: past the default 30 s on a loaded machine.
  }, 90_000);
  afterAll(async () => {
    await chromium?.close();
    await desktop?.close();
    await server?.stop();
    await push?.close();
  });

  /** Bob mentions Alice in `roomId` while she is away: pushed, delivered, and shown on the desktop. */
  async function mentionShown(roomId: string, text: string): Promise<DesktopNotification> {
    const before = desktop.shown.length;
    await mentionUntilPushed(push, name, () => send(server.url, bob, roomId, `@${alice.username} ${text}`));
    const notification = push.to(name).at(-1)?.notification;
    expect(notification).toMatchObject({ roomId, url: `/rooms/${roomId}`, body: expect.stringContaining(text) });
    if (!notification) throw new Error("no push");
    await deliver(notification);
    await waitFor("a notification on the desktop", () => desktop.shown.length > before);
    const shown = desktop.shown[before] as DesktopNotification;
    // What the person reads is the message's: its title, and its preview under the site's name.
    expect(shown.title).toBe(notification.title);
    expect(shown.body).toBe(`${new URL(server.url).host}\n\n${notification.body}`);
    expect(shown.actions).toContain("default");
    return shown;
  }

  /** The URLs of the browser's tabs. */
  function tabs(): string[] {
    return chromium.context.pages().map((page) => page.url());
  }

  it("opens the room in a new tab when natter is open in no tab", async () => {
    const room = await createRoom(server.url, bob.token, { name: "lunch plans", memberIds: [alice.id] });
    const shown = await mentionShown(room.id, "noodles at one?");
    expect(shown.title).toBe(`${bob.username} mentioned you in lunch plans`);
    expect(tabs()).toEqual(["about:blank"]);

    const opened = chromium.context.waitForEvent("page");
    desktop.click(shown.id);
    const page = await opened;
    await page.waitForURL(`${server.url}/rooms/${room.id}`);
    await page.getByRole("heading", { name: "lunch plans" }).waitFor();
    await page.getByText("noodles at one?").first().waitFor();
    // The worker closed the clicked notification.
    await waitFor("the notification closed", () => desktop.closed.includes(shown.id));
    await screenshot(page, "push-02-room-opened-from-notification");
    expect(tabs()).toEqual(["about:blank", `${server.url}/rooms/${room.id}`]);
    await page.close();
    expect(chromium.problems).toEqual({ consoleErrors: [], offMachineRequests: [] });
  });

  it("shows the room in natter's open tab, brought to the front, when natter is open on another room", async () => {
    const room = await createRoom(server.url, bob.token, { name: "standup", memberIds: [alice.id] });
    const other = await createRoom(server.url, alice.token, { name: "reading list" });
    const shown = await mentionShown(room.id, "notes are up");

    // Back at natter, on another room, then at another tab: natter's has lost the focus.
    const tab = await chromium.context.newPage();
    await tab.goto(`${server.url}/rooms/${other.id}`);
    await tab.getByRole("heading", { name: "reading list" }).waitFor();
    await Promise.all([tab, blank].map(realFocus));
    await blank.bringToFront();
    await expect.poll(() => hasFocus(tab)).toBe(false);

    desktop.click(shown.id);
    await tab.waitForURL(`${server.url}/rooms/${room.id}`);
    await tab.getByRole("heading", { name: "standup" }).waitFor();
    await tab.getByText("notes are up").first().waitFor();
    // The worker brought natter's tab to the front, and opened no other.
    await expect.poll(() => hasFocus(tab)).toBe(true);
    expect(await hasFocus(blank)).toBe(false);
    await waitFor("the notification closed", () => desktop.closed.includes(shown.id));
    expect(tabs()).toEqual(["about:blank", `${server.url}/rooms/${room.id}`]);
    expect(chromium.problems).toEqual({ consoleErrors: [], offMachineRequests: [] });
  });
});

/**
 * Lets `page` report the focus it really has: Playwright otherwise tells every page it has it
 * (so that pages in the background still behave as in front).
 */
async function realFocus(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Emulation.setFocusEmulationEnabled", { enabled: false });
}

function hasFocus(page: Page): Promise<boolean> {
  return page.evaluate<boolean>("document.hasFocus()");
}
