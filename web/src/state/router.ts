import { type Observable, observable } from "./observable.js";

/** The app's screens, one per path; the server answers every one of them with the app. */
export type Route =
  | { screen: "home" }
  | { screen: "room"; roomId: string; messageId?: string }
  | { screen: "search"; q: string }
  | { screen: "discover" }
  | { screen: "new-room" }
  | { screen: "admin" }
  | { screen: "account" };

export function parseRoute(pathname: string, search = ""): Route {
  const params = new URLSearchParams(search);
  const room = /^\/rooms\/([^/]+)$/.exec(pathname);
  if (room?.[1]) {
    const messageId = params.get("message");
    return { screen: "room", roomId: decodeURIComponent(room[1]), ...(messageId && { messageId }) };
  }
  if (pathname === "/search") return { screen: "search", q: params.get("q") ?? "" };
  if (pathname === "/discover") return { screen: "discover" };
  if (pathname === "/new") return { screen: "new-room" };
  if (pathname === "/admin") return { screen: "admin" };
  if (pathname === "/account") return { screen: "account" };
  return { screen: "home" };
}

export function routePath(route: Route): string {
  switch (route.screen) {
    case "room":
      return `/rooms/${encodeURIComponent(route.roomId)}${route.messageId ? `?message=${encodeURIComponent(route.messageId)}` : ""}`;
    case "search":
      return `/search?q=${encodeURIComponent(route.q)}`;
    case "discover":
      return "/discover";
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
