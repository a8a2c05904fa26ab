import { connect, createServer, type Socket } from "node:net";

/** A TCP proxy on loopback in front of one server: what the network proxies of the tests share. */
export interface LoopbackProxy {
  /** The base URL to connect to instead of the server's. */
  url: string;
  /** The sockets of the connections open now, both sides of each. */
  readonly open: ReadonlySet<Socket>;
  /** Destroys every open connection and stops listening. */
  close(): Promise<void>;
}

/**
 * Listens on a free loopback port and opens a connection to the server at `targetUrl` for
 * each one accepted; `join(client, upstream)` then carries data between the two as the proxy
 * means to (whole, cut at random, cut at one instant), and listens for their errors.
 */
export async function startLoopbackProxy(
  targetUrl: string,
  join: (client: Socket, upstream: Socket) => void,
): Promise<LoopbackProxy> {
  const target = new URL(targetUrl);
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
    }
    join(client, upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    open,
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
