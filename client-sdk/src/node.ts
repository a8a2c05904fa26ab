import { createClient, type NatterClient, type NatterClientOptions } from "./natter-client.js";
import type { WebSocketConstructor } from "./websocket.js";

export * from "./index.js";

/**
 * Connects to a natter server (Node entry point): as in browsers, but where the runtime has
 * no WebSocket (Node 20), the `ws` package is loaded when the first socket opens.
 */
export function createNatterClient(options: NatterClientOptions): NatterClient {
  return createClient(options, async () => {
    const { WebSocket } = globalThis as { WebSocket?: WebSocketConstructor };
    if (WebSocket) return WebSocket;
    try {
      const ws = await import("ws");
      return ws.WebSocket as unknown as WebSocketConstructor;
    } catch (cause) {
      throw new Error("natter: Node 20 has no WebSocket; install the `ws` package or pass `WebSocket`", { cause });
    }
  });
}
