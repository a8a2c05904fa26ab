import type { AppRouter } from "natter";
import { rest } from "../harness/index.js";
import type { Outcome } from "./matrix.js";

/** How a cell calls a procedure: tRPC over HTTP, or its REST path. */
export type Transport = "trpc" | "rest";

interface ProcedureDef {
  type: "query" | "mutation" | "subscription";
  meta?: { openapi?: { method: string; path: string } };
}

/** What the real router says about a procedure: its type and REST route, if any. */
export function procedureDef(router: AppRouter, path: string): ProcedureDef | undefined {
  const procedures = router._def.procedures as unknown as Record<string, { _def: ProcedureDef } | undefined>;
  return procedures[path]?._def;
}

/** The transports a procedure is served on, besides WebSocket. */
export function transportsOf(def: ProcedureDef): Transport[] {
  if (def.type === "subscription") return [];
  return def.meta?.openapi ? ["trpc", "rest"] : ["trpc"];
}

/**
 * Calls a procedure over real HTTP as the holder of `token` (anonymous without one), and
 * tells how it ended: "allow" for a 2xx, else the error code of natter's error body.
 */
export async function callProcedure(
  baseUrl: string,
  def: ProcedureDef,
  path: string,
  input: Record<string, unknown>,
  token: string | undefined,
  transport: Transport,
): Promise<Outcome | string> {
  if (transport === "rest") return callRest(baseUrl, def, input, token);
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const encoded = JSON.stringify(input);
  const response =
    def.type === "query"
      ? await fetch(`${baseUrl}/trpc/${path}?input=${encodeURIComponent(encoded)}`, { headers })
      : await fetch(`${baseUrl}/trpc/${path}`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: encoded,
        });
  const body = (await response.json()) as { error?: { data?: { error?: { code?: string } } } };
  if (response.ok) return "allow";
  return body.error?.data?.error?.code ?? `HTTP ${response.status}`;
}

async function callRest(
  baseUrl: string,
  def: ProcedureDef,
  input: Record<string, unknown>,
  token: string | undefined,
): Promise<Outcome | string> {
  const route = def.meta?.openapi;
  if (!route) throw new Error("no REST route");
  const rest_ = { ...input };
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = rest_[name];
    delete rest_[name];
    return encodeURIComponent(String(value));
  });
  const method = route.method.toUpperCase();
  const inQuery = method === "GET" || method === "DELETE";
  const query = new URLSearchParams(
    Object.entries(rest_).map(([key, value]): [string, string] => [key, String(value)]),
  ).toString();
  const res = await rest(baseUrl, method, inQuery && query ? `${path}?${query}` : path, {
    token,
    ...(!inQuery && { body: rest_ }),
  });
  if (res.status >= 200 && res.status < 300) return "allow";
  return res.body?.error?.code ?? `HTTP ${res.status}`;
}
