import type { Socket } from "node:net";
import { seededRandom, startLoopbackProxy } from "../harness/index.js";

/** A TCP proxy on loopback that cuts connections at random while `dropping` is on. */
export interface FlakyProxy {
  /** The base URL to connect to instead of the server's. */
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections cut so far. */
  readonly drops: number;
  setDropping(on: boolean): void;
  close(): Promise<void>;
}

export interface FlakyProxyOptions {
  /** The chance that a chunk, in either direction, is lost with its connection (reset). */
  dropChance: number;
  /** Seeds the random choices, so that a run can be replayed (as far as timing allows). */
  seed: number;
}

/**
 * Forwards every connection to the server at `targetUrl`. While dropping, each chunk of
 * data may instead reset both sides of its connection: a request can be lost before the
 * server sees it, or its answer after the server acted on it.
 */
export async function startFlakyProxy(targetUrl: string, { dropChance, seed }: FlakyProxyOptions): Promise<FlakyProxy> {
  const random = seededRandom(seed);
  let dropping = false;
  let connections = 0;
  let drops = 0;

  const proxy = await startLoopbackProxy(targetUrl, (client, upstream) => {
    connections += 1;
    const pair = [client, upstream];
    for (const socket of pair) socket.on("error", () => cut(false));
    let cutAlready = false;
    const cut = (counted: boolean) => {
      if (cutAlready) return;
      cutAlready = true;
      if (counted) drops += 1;
      for (const socket of pair) socket.resetAndDestroy();
    };
    const forward = (from: Socket, to: Socket) =>
      from.on("data", (chunk) => {
        if (dropping && random() < dropChance) cut(true);
        else if (!to.destroyed) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
  });

  return {
    url: proxy.url,
    get connections() {
      return connections;
    },
    get drops() {
      return drops;
    },
    setDropping(on) {
      dropping = on;
    },
    close: () => proxy.close(),
  };
}
