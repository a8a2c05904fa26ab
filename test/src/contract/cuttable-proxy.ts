import type { AddressInfo } from "node:net";
import { createServer, type Socket } from "node:net";

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
  const target = new URL(targetUrl);
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer((client) => {
    const upstream = new (client.constructor as typeof Socket)();
    track(client);
    track(upstream);
    upstream.connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cutAll() {
      for (const socket of open) socket.resetAndDestroy();
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
