/**
 * natter's service worker, served by natter at `/sw.js` (scope `/`). It exists for Web Push:
 * it shows the notification natter pushes while the person has no live connection, and a
 * click on it brings them to the room. It caches nothing (the app needs the server anyway).
 *
 * Typed with local interfaces rather than TypeScript's WebWorker lib, which cannot be
 * combined with the DOM lib the rest of the app compiles against.
 */
import type { PushNotification } from "@natter/shared";
import type { NotificationClickMessage, NotificationData } from "./push-payload.js";

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  readonly data: { text(): string } | null;
}
interface NotificationEvent extends ExtendableEvent {
  readonly notification: Notification;
}
interface WindowClient {
  readonly url: string;
  focus(): Promise<WindowClient>;
  postMessage(message: unknown): void;
}
interface ServiceWorkerScope {
  readonly registration: ServiceWorkerRegistration;
  readonly location: Location;
  readonly clients: {
    matchAll(options: { type: "window"; includeUncontrolled: boolean }): Promise<readonly WindowClient[]>;
    openWindow(url: string): Promise<WindowClient | null>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "push", listener: (event: PushEvent) => void): void;
  addEventListener(type: "notificationclick", listener: (event: NotificationEvent) => void): void;
}

const scope = globalThis as unknown as ServiceWorkerScope;

// A new version takes over at once: it holds no state an old page could depend on.
scope.addEventListener("install", (event) => event.waitUntil(scope.skipWaiting()));
scope.addEventListener("activate", (event) => event.waitUntil(scope.clients.claim()));

scope.addEventListener("push", (event) => {
  const payload = parsePayload(event.data?.text());
  // Chromium requires a notification for every push (userVisibleOnly): an unreadable one still shows.
  const title = payload?.title ?? "natter";
  const data: NotificationData | undefined = payload && {
    roomId: payload.roomId,
    messageId: payload.messageId,
    url: payload.url,
  };
  event.waitUntil(
    scope.registration.showNotification(title, {
      body: payload?.body ?? "You have a new message.",
      // One notification per room: a newer one replaces the older instead of piling up.
      ...(payload && { tag: payload.roomId }),
      data,
    }),
  );
});

scope.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data as NotificationData | undefined;
  const path = data && sameOriginPath(data.url) ? data.url : "/";
  event.waitUntil(openRoom(path, data));
});

/** Focuses an open natter tab and tells it to show the room, or opens the room in a new one. */
async function openRoom(path: string, data: NotificationData | undefined): Promise<void> {
  const windows = await scope.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((client) => new URL(client.url).origin === scope.location.origin);
  if (!open) {
    await scope.clients.openWindow(path);
    return;
  }
  const message: NotificationClickMessage = {
    type: "natter.notification-click",
    path,
    roomId: data?.roomId,
    messageId: data?.messageId,
  };
  open.postMessage(message);
  // Focusing needs the browser's own click on the notification; without one the tab still shows the room.
  await open.focus().catch(() => undefined);
}

function parsePayload(text: string | undefined): PushNotification | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<PushNotification>;
    if (typeof value.title !== "string" || typeof value.roomId !== "string") return undefined;
    return {
      type: value.type === "direct" ? "direct" : "mention",
      title: value.title,
      body: typeof value.body === "string" ? value.body : "",
      roomId: value.roomId,
      messageId: typeof value.messageId === "string" ? value.messageId : "",
      url: typeof value.url === "string" ? value.url : `/rooms/${encodeURIComponent(value.roomId)}`,
    };
  } catch {
    return undefined;
  }
}

/** Only a path of this app is opened: a payload cannot send the person elsewhere. */
function sameOriginPath(url: string): boolean {
  return (
    url.startsWith("/") && !url.startsWith("//") && new URL(url, scope.location.origin).origin === scope.location.origin
  );
}
