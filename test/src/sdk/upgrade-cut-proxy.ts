import { startLoopbackProxy } from "../harness/index.js";

/** A TCP proxy on loopback that resets the first WebSocket connection once the server accepted it. */
export interface UpgradeCutProxy {
  /** The base URL to connect to instead of the server's. */
  url: string;
  /** WebSocket connections reset so far: 0 until the first upgrade, then 1. */
  readonly cuts: number;
  close(): Promise<void>;
}

/**
 * Forwards every connection to the server at `targetUrl`, except that the first WebSocket
 * connection (an upgrade request) is reset in the same turn as the server's answer to its
 * upgrade is passed on: the client sees its socket open and lose its connection together,
 * before it has sent anything on it but its connection params. A random drop hits that
 * instant only now and then (`flaky-proxy.ts`); this hits it every time.
 */
export async function startUpgradeCutProxy(targetUrl: string): Promise<UpgradeCutProxy> {
  let cuts = 0;
  const proxy = await startLoopbackProxy(targetUrl, (client, upstream) => {
    const pair = [client, upstream];
    for (const socket of pair) {
      socket.on("error", () => {
        for (const each of pair) each.destroy();
      });
    }
    let firstChunk = true;
    let toCut = false;
    client.on("data", (chunk: Buffer) => {
      if (firstChunk && cuts === 0 && isWebSocketUpgrade(chunk)) toCut = true;
      firstChunk = false;
      if (!upstream.destroyed) upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (client.destroyed) return;
      client.write(chunk);
      if (!toCut) return;
      toCut = false;
      cuts += 1;
      for (const socket of pair) socket.resetAndDestroy();
    });
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
  });
  return {
    url: proxy.url,
    get cuts() {
      return cuts;
    },
    close: () => proxy.close(),
  };
}

/** Whether a connection's first chunk asks to upgrade it to a WebSocket (not a plain tRPC call over HTTP). */
function isWebSocketUpgrade(chunk: Buffer): boolean {
  const head = chunk.toString("latin1");
  return head.startsWith("GET ") && /^upgrade:\s*websocket\s*$/im.test(head);
}
