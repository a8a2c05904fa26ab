import { startLoopbackProxy } from "../harness/index.js";

/** A TCP proxy on loopback whose open connections can all be cut at once, as a network failure would. */
export interface CuttableProxy {
  /** The base URL to connect to instead of the target's. */
  url: string;
  /** Resets every open connection, both sides. */
  cutAll(): void;
  close(): Promise<void>;
}

/** Forwards every connection to the server at `targetUrl` until cut. */
export async function startCuttableProxy(targetUrl: string): Promise<CuttableProxy> {
  const proxy = await startLoopbackProxy(targetUrl, (client, upstream) => {
    for (const socket of [client, upstream]) socket.on("error", () => socket.destroy());
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  return {
    url: proxy.url,
    cutAll() {
      for (const socket of proxy.open) socket.resetAndDestroy();
    },
    close: () => proxy.close(),
  };
}
