import { createNatterClient, type NatterClient } from "@natter/client";
import { NatterProvider } from "@natter/react";
import { QueryClient } from "@tanstack/react-query";
import { cleanup } from "@testing-library/react";
import { createElement, type ReactNode } from "react";
import { afterAll, afterEach, beforeAll } from "vitest";
import { WebSocket } from "ws";
import { liveGauge, startTestServer, type TestServer } from "../harness/index.js";

/** Waits on visible state with room for a busy machine. */
export const WAIT = { timeout: 20_000, interval: 10 };

/** A file's live server and the clients its tests opened. */
export interface HookTestServer {
  /** The server's base URL (once the file's tests run). */
  readonly url: string;
  /** Clients the tests opened; closed after the file. */
  readonly clients: NatterClient[];
}

/**
 * A real natter server for one file's hook tests: started before them, stopped after them
 * with every client they opened; Testing Library unmounts each test's hooks after it.
 */
export function hookTestServer(options: Parameters<typeof startTestServer>[0] = {}): HookTestServer {
  let server: TestServer | undefined;
  const clients: NatterClient[] = [];
  beforeAll(async () => {
    server = await startTestServer(options);
  });
  afterEach(() => cleanup());
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await server?.stop();
  });
  return {
    get url() {
      if (!server) throw new Error("the hook tests' server has not started");
      return server.url;
    },
    clients,
  };
}

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

export { liveGauge };

/** How many requests the server answered with 200 for the tRPC procedure `procedure` (`natter_http_requests_total`). */
export async function answeredCalls(url: string, metricsToken: string, procedure: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  return (await res.text())
    .split("\n")
    .filter(
      (line) =>
        line.startsWith("natter_http_requests_total{") && line.includes(procedure) && line.includes('status="200"'),
    )
    .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

/** The server's open live subscriptions over WebSocket (`natter_ws_subscriptions`), from /metrics. */
export function liveSubscriptions(url: string, metricsToken: string): Promise<number> {
  return liveGauge(url, metricsToken, "natter_ws_subscriptions");
}
