import type { IncomingMessage, ServerResponse } from "node:http";
import { decodePathSegment } from "./request-path.js";

/** The HTTP methods a route may serve. HEAD is served wherever GET is. */
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

/** What a matched request carries into its handler. */
export interface RouteMatch {
  /** The path as requested, still percent-encoded, such as `/docs/swagger-ui.css`. */
  pathname: string;
  /** The `:name` segments of the route's pattern, percent-decoded. */
  params: Record<string, string>;
  /** What a `/*` pattern matched below its prefix (still encoded), `""` for the prefix itself. */
  tail: string;
  /** The query string with its `?`, or `""`. */
  search: string;
}

/** Answers one request. A thrown error is answered as an INTERNAL error. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, match: RouteMatch) => void | Promise<void>;

/** One HTTP path natter serves. */
export interface Route {
  /** The methods it serves, or `"*"` for any (the handler then answers wrong methods itself). */
  methods: readonly HttpMethod[] | "*";
  /**
   * `/openapi.json` (exactly that path), `/rooms/:roomId` (`:name` matches one segment), or
   * `/docs/*` (the prefix itself and everything below it).
   */
  pattern: string;
  handle: RouteHandler;
  /**
   * `"json"`: the guards read the body first (bounded in size and depth, JSON only, none at
   * all taken as empty) and leave it parsed in `req.body`. Without it the handler reads the
   * stream itself (uploads).
   */
  body?: "json";
  /** How its errors are written, guards' included: natter's REST body, or tRPC's error shape. */
  errors?: "rest" | "trpc";
}

/**
 * A route, in one line: `route(["GET"], "/healthz", handler)`.
 * @see Route
 */
export function route(
  methods: Route["methods"],
  pattern: string,
  handle: RouteHandler,
  options: Pick<Route, "body" | "errors"> = {},
): Route {
  return { methods, pattern, handle, ...options };
}

/** The outcome of looking a request up. */
export type RouteLookup =
  | { kind: "found"; route: Route; match: RouteMatch }
  | { kind: "wrong-method"; allow: HttpMethod[] }
  | { kind: "not-found" };

interface CompiledRoute {
  route: Route;
  segments: string[];
  prefix: boolean;
  /** Literal segments outrank `:params`, which outrank a `/*` tail. */
  rank: number[];
}

/**
 * Finds the route for a request. The most specific pattern wins whatever the order routes
 * were added in: `/api/v1/uploads` before `/api/v1/*` before `/*`.
 */
export class RouteTable {
  readonly #routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.#routes = routes.map(compile).sort((a, b) => compareRanks(b.rank, a.rank));
  }

  lookup(method: string, { pathname, search }: Pick<RouteMatch, "pathname" | "search">): RouteLookup {
    const requested = pathname.split("/").slice(1);
    const allow = new Set<HttpMethod>();
    for (const compiled of this.#routes) {
      const match = matchSegments(compiled, requested, pathname, search);
      if (!match) continue;
      const { methods } = compiled.route;
      if (methods === "*" || servesMethod(methods, method)) return { kind: "found", route: compiled.route, match };
      for (const served of methods) allow.add(served);
      if (methods.includes("GET")) allow.add("HEAD");
    }
    return allow.size > 0 ? { kind: "wrong-method", allow: [...allow] } : { kind: "not-found" };
  }
}

function servesMethod(methods: readonly HttpMethod[], method: string): boolean {
  return methods.includes(method as HttpMethod) || (method === "HEAD" && methods.includes("GET"));
}

function compile(route: Route): CompiledRoute {
  const segments = route.pattern.split("/").slice(1);
  const prefix = segments.at(-1) === "*";
  if (prefix) segments.pop();
  const rank = [...segments.map((segment) => (segment.startsWith(":") ? 1 : 2)), ...(prefix ? [0] : [])];
  return { route, segments, prefix, rank };
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? -1) - (b[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

function matchSegments(
  compiled: CompiledRoute,
  requested: string[],
  pathname: string,
  search: string,
): RouteMatch | undefined {
  const { segments, prefix } = compiled;
  if (prefix ? requested.length < segments.length : requested.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    const actual = requested[i] ?? "";
    if (segment.startsWith(":")) {
      if (actual === "") return undefined;
      params[segment.slice(1)] = decodePathSegment(actual);
    } else if (segment !== actual) return undefined;
  }
  const tail = prefix ? requested.slice(segments.length).join("/") : "";
  return { pathname, params, tail, search };
}
