import { type Observable, observable } from "./observable.js";

/** The app's screens, one per path; the server answers every one of them with the app. */
export type Route =
  | { screen: "home" }
  | {
      screen: "room";
      roomId: string;
      /** A message to bring into view and mark (a search result's). */
      messageId?: string;
      /** A thread to open beside the room (the one a search result replies in). */
      threadId?: string;
    }
  | {
      screen: "search";
      q: string;
      /** Only that thread (its first message and replies): "search this thread". */
      threadId?: string;
    }
  | { screen: "discover" }
  /** The threads I started or replied in. */
  | { screen: "my-threads" }
  | { screen: "new-room" }
  | { screen: "admin" }
  | { screen: "account" };

export function parseRoute(pathname: string, search = ""): Route {
  const params = new URLSearchParams(search);
  const room = /^\/rooms\/([^/]+)$/.exec(pathname);
  if (room?.[1]) {
    const messageId = params.get("message");
    const threadId = params.get("thread");
    return {
      screen: "room",
      roomId: decodeURIComponent(room[1]),
      ...(messageId && { messageId }),
      ...(threadId && { threadId }),
    };
  }
  if (pathname === "/search") {
    const threadId = params.get("thread");
    return { screen: "search", q: params.get("q") ?? "", ...(threadId && { threadId }) };
  }
  if (pathname === "/discover") return { screen: "discover" };
  if (pathname === "/threads") return { screen: "my-threads" };
  if (pathname === "/new") return { screen: "new-room" };
  if (pathname === "/admin") return { screen: "admin" };
  if (pathname === "/account") return { screen: "account" };
  return { screen: "home" };
}

export function routePath(route: Route): string {
  switch (route.screen) {
    case "room":
      return `/rooms/${encodeURIComponent(route.roomId)}${query({ message: route.messageId, thread: route.threadId })}`;
    case "search":
      return `/search${query({ q: route.q, thread: route.threadId })}`;
    case "discover":
      return "/discover";
    case "my-threads":
      return "/threads";
    case "new-room":
      return "/new";
    case "admin":
      return "/admin";
    case "account":
      return "/account";
    case "home":
      return "/";
  }
}

/** A query string of the parameters that have a value (`""` when none has). */
function query(params: Record<string, string | undefined>): string {
  const pairs = Object.entries(params).filter((pair): pair is [string, string] => pair[1] !== undefined);
  return pairs.length === 0 ? "" : `?${pairs.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join("&")}`;
}

/** The current route, kept in step with the address bar and the back button. */
export const currentRoute: Observable<Route> = observable(parseRoute(location.pathname, location.search));
window.addEventListener("popstate", () => currentRoute.set(parseRoute(location.pathname, location.search)));

export function navigate(route: Route): void {
  const path = routePath(route);
  if (path !== location.pathname + location.search) history.pushState(null, "", path);
  currentRoute.set(route);
}

/** Follows a same-app link without reloading the page; modified clicks keep the browser's meaning. */
export function onLinkClick(route: Route) {
  return (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(route);
  };
}
