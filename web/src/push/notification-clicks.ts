import { navigate, parseRoute } from "../state/router.js";
import type { NotificationClickMessage } from "./push-payload.js";

const CLICK: NotificationClickMessage["type"] = "natter.notification-click";

/**
 * Shows the room of a clicked notification in this tab: the service worker, finding natter
 * open, posts the room's path here rather than opening another tab.
 */
export function followNotificationClicks(): void {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("message", (event: MessageEvent<Partial<NotificationClickMessage>>) => {
    const { data } = event;
    if (event.origin !== location.origin || data?.type !== CLICK) return;
    if (typeof data.path !== "string") return;
    const url = new URL(data.path, location.origin);
    const route = parseRoute(url.pathname, url.search);
    // Only a room: the message cannot take the tab anywhere else.
    if (route.screen === "room") navigate(route);
  });
}
