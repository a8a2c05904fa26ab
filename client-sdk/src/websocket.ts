/** The part of a WebSocket the SDK itself touches; tRPC uses the standard interface. */
export interface SocketLike {
  close(code?: number, reason?: string): void;
  addEventListener(type: "close", listener: (event: { code: number }) => void): void;
}

/**
 * A WebSocket class: the runtime's own (browsers, Node ≥ 22, Deno, Bun) or `ws`'s.
 * Typed loosely so that neither the DOM nor Node's types are needed to name it.
 */
export type WebSocketConstructor = abstract new (url: string, protocols?: string | string[]) => object;

/** Loads the WebSocket class to use when the app passed none. */
export type WebSocketLoader = () => Promise<WebSocketConstructor | undefined>;

const READY_STATES = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

/**
 * A stand-in WebSocket class for tRPC, which needs one when its client is created, while the
 * real class may still have to be loaded (`ws` is imported only when a socket is needed).
 * `prepare()` loads it; tRPC awaits the URL, which calls `prepare()`, before it constructs a
 * socket. Each socket is reported to `onSocket`.
 */
export function createSocketFactory(
  load: () => Promise<WebSocketConstructor>,
  onSocket: (socket: SocketLike) => void,
): { WebSocket: unknown; prepare(): Promise<void> } {
  let Impl: (new (url: string) => SocketLike) | undefined;
  // Constructing this with `new` yields the real socket: a constructor that returns an object yields that object.
  function NatterWebSocket(url: string): SocketLike {
    if (!Impl) throw new Error("natter: the WebSocket class is not loaded yet");
    const socket = new Impl(url);
    onSocket(socket);
    return socket;
  }
  Object.assign(NatterWebSocket, READY_STATES);
  return {
    WebSocket: NatterWebSocket,
    async prepare() {
      Impl ??= (await load()) as unknown as new (url: string) => SocketLike;
    },
  };
}
