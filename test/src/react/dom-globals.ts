import { Window } from "happy-dom";

/**
 * A DOM for the hook tests, from happy-dom, added to Node's globals where Node has none of
 * its own. Import it first: react-dom decides whether it runs in a DOM when it loads. Vitest's
 * happy-dom environment would instead transform every module for the browser, the server
 * under test included, so these files keep Node's environment and add the DOM by hand.
 */
const window = new Window({ url: "http://127.0.0.1/" });
const globals = globalThis as Record<string, unknown>;
for (const key of Object.getOwnPropertyNames(window)) {
  // The SDK's WebSocket stays the one each test passes: Node 20 has none, and happy-dom's is not a server's peer.
  if (key in globals || key === "WebSocket") continue;
  globals[key] = (window as unknown as Record<string, unknown>)[key];
}
// tRPC fetches through `window.fetch` when there is a window: Node's, as a React Native app's
// fetch, rather than happy-dom's, which applies a page's CORS rules to a page the tests never load.
Object.defineProperty(window, "fetch", { value: globalThis.fetch, configurable: true, writable: true });
globals.window = window;
globals.document = window.document;
(globals as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
