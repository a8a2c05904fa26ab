import { createNatterClient, type NatterClient } from "@natter/client";
import { NatterProvider } from "@natter/react";
import { QueryClient } from "@tanstack/react-query";
import { createElement, type ReactNode } from "react";
import { WebSocket } from "ws";

/** Waits on visible state with room for a busy machine. */
export const WAIT = { timeout: 20_000, interval: 10 };

/**
 * A client as a React app makes one, on `ws` (the test environment's own WebSocket is a
 * browser imitation); closed by `closeAll`.
 */
export function reactClient(url: string, token: string | null, opened: NatterClient[]): NatterClient {
  const client = createNatterClient({
    url,
    token,
    WebSocket: WebSocket as unknown as NonNullable<Parameters<typeof createNatterClient>[0]["WebSocket"]>,
  });
  opened.push(client);
  return client;
}

/** A `wrapper` for Testing Library: the hooks under one provider, with a quiet QueryClient. */
export function natterWrapper(client: NatterClient, queryClient?: QueryClient) {
  const cache = queryClient ?? new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return ({ children }: { children: ReactNode }) =>
    createElement(NatterProvider, { client, queryClient: cache }, children);
}

/** The server's open live subscriptions over WebSocket (`natter_ws_subscriptions`), from /metrics. */
export async function liveSubscriptions(url: string, metricsToken: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  const line = (await res.text()).split("\n").find((candidate) => candidate.startsWith("natter_ws_subscriptions "));
  return Number(line?.slice(line.lastIndexOf(" ") + 1));
}
