/**
 * Where the session token lives between visits: localStorage. The SDK authenticates with a
 * bearer token (HTTP header and the WebSocket's connection params), which a cross-site page
 * cannot make the browser attach, so no CSRF defence is needed. The risk of localStorage is
 * script injection; the app never renders text as HTML and natter serves it under a CSP
 * that allows only its own scripts.
 */
const TOKEN_KEY = "natter.token";

export function loadToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}
