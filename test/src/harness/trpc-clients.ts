import { createTRPCClient, createWSClient, httpBatchLink, wsLink } from "@trpc/client";
import type { AppRouter } from "natter";
import WebSocket from "ws";

/** A tRPC client over HTTP batching, as a TypeScript app would use it. */
export function httpClient(baseUrl: string, token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${baseUrl}/trpc`,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}

export interface WsClientOptions {
  token?: string;
  onClose?: (cause?: { code?: number }) => void;
}

/** A tRPC client over one real WebSocket, authenticated through connectionParams. */
export function wsClient(baseUrl: string, { token, onClose }: WsClientOptions = {}) {
  const socket = createWSClient({
    url: `${baseUrl.replace(/^http/, "ws")}/trpc`,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: token ? { token } : {},
    retryDelayMs: () => 50,
    ...(onClose && { onClose }),
  });
  const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: socket })] });
  return { client, socket, close: () => socket.close() };
}

/** A signed-in tRPC WebSocket client and the close codes its socket has seen. */
export async function watchingClient(url: string, token: string) {
  const closes: number[] = [];
  let onFirstClose: (code: number) => void = () => {};
  const firstClose = new Promise<number>((resolve) => {
    onFirstClose = resolve;
  });
  const ws = wsClient(url, {
    token,
    onClose: (cause) => {
      closes.push(cause?.code ?? 0);
      onFirstClose(cause?.code ?? 0);
    },
  });
  // The socket is authenticated once its first call has an answer.
  await ws.client.users.me.query();
  return { ...ws, closes, firstClose };
}

/** WebSocket clients a test file opens as it goes, to close together after each test or at the end. */
export function wsClientPool(baseUrl: () => string) {
  const open: Array<ReturnType<typeof wsClient>> = [];
  return {
    /** Opens a client, signed in with `token` or anonymous. */
    connect(token?: string) {
      const client = wsClient(baseUrl(), token ? { token } : {});
      open.push(client);
      return client;
    },
    closeAll() {
      for (const client of open.splice(0)) client.close();
    },
  };
}
