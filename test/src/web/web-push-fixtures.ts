import type { BrowserContext, Page } from "playwright-core";
import type { ReceivedPush } from "../harness/index.js";
import { waitFor } from "../messages/room-fixtures.js";

/** What the stand-in push service gave the page, and what the app asked of it. */
export interface StandInRecord {
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
export function standInPushService(subscription: { endpoint: string; keys: { p256dh: string; auth: string } }): string {
  // A string, as the page runs it: the tests' TypeScript has no DOM types (see chat-app.test.ts).
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

/**
 * Delivers pushes to natter's service worker in `context` as the browser's push service would,
 * through the DevTools protocol of `page` (any page of the context: it needs not be natter's).
 * Answers a function that delivers one payload, as the local push service decrypted it.
 */
export async function pushDelivery(
  context: BrowserContext,
  page: Page,
  origin: string,
): Promise<(notification: ReceivedPush["notification"]) => Promise<void>> {
  const cdp = await context.newCDPSession(page);
  const registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> = [];
  cdp.on("ServiceWorker.workerRegistrationUpdated", (event) => registrations.push(...event.registrations));
  await cdp.send("ServiceWorker.enable");
  await waitFor("natter's service worker registration", () =>
    registrations.some((r) => r.scopeURL === `${origin}/` && !r.isDeleted),
  );
  const registrationId = registrations.find((r) => r.scopeURL === `${origin}/`)?.registrationId as string;
  return async (notification) => {
    await cdp.send("ServiceWorker.deliverPushMessage", { origin, registrationId, data: JSON.stringify(notification) });
  };
}
