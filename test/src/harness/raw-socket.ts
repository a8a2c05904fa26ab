import WebSocket from "ws";

/** How a WebSocket ended, as its client saw it. */
export interface SocketClose {
  code: number;
  reason: string;
}

/**
 * A WebSocket to the tRPC endpoint that speaks the wire protocol by hand, so a test can
 * misbehave on purpose: stay silent, flood, send oversized frames, stop reading.
 */
export interface RawSocket {
  ws: WebSocket;
  /** Every text message received so far, in order. */
  messages: string[];
  /** Resolves when the socket closes. */
  closed: Promise<SocketClose>;
  /** Resolves with the first message, received already or later, that `matches`. */
  next(matches: (message: string) => boolean): Promise<string>;
  /** Sends a tRPC request (`{id, method, params}`) as JSON. */
  call(id: number, method: "query" | "mutation" | "subscription", path: string, input?: unknown): void;
}

export interface RawSocketOptions {
  /** Sent as connectionParams, as the SDK does. */
  token?: string;
  /** The Origin header a browser would send; none by default. */
  origin?: string;
}

/** Opens a raw socket to `baseUrl`'s tRPC endpoint; rejects with the status of a refused upgrade. */
export function openRawSocket(baseUrl: string, { token, origin }: RawSocketOptions = {}): Promise<RawSocket> {
  const url = `${baseUrl.replace(/^http/, "ws")}/trpc${token ? "?connectionParams=1" : ""}`;
  const ws = new WebSocket(url, origin ? { origin } : {});
  const messages: string[] = [];
  const waiters = new Set<{ matches: (message: string) => boolean; resolve: (message: string) => void }>();
  ws.on("message", (data) => {
    const message = data.toString();
    messages.push(message);
    for (const waiter of waiters) {
      if (waiter.matches(message)) {
        waiters.delete(waiter);
        waiter.resolve(message);
      }
    }
  });
  const closed = new Promise<SocketClose>((resolve) => {
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const socket: RawSocket = {
    ws,
    messages,
    closed,
    next: (matches) => {
      const seen = messages.find(matches);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.add({ matches, resolve }));
    },
    call: (id, method, path, input) => ws.send(JSON.stringify({ id, method, params: { path, input } })),
  };
  return new Promise((resolve, reject) => {
    ws.once("unexpected-response", (_req, res) => {
      reject(new UpgradeRefused(res.statusCode ?? 0));
      ws.terminate();
    });
    ws.once("error", reject);
    ws.once("open", () => {
      if (token) ws.send(JSON.stringify({ method: "connectionParams", data: { token } }));
      resolve(socket);
    });
  });
}

/** The server answered the upgrade request with an HTTP status instead of switching protocols. */
export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`WebSocket upgrade refused with ${status}`);
  }
}
