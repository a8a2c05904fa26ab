import type { IncomingMessage } from "node:http";

/**
 * Where the answering route's pattern is kept: on the request itself, not in a WeakMap keyed by
 * it (an ephemeron per request, with a write barrier and a pass in young-generation collections).
 */
const MATCHED = Symbol("natter.routePattern");

type NotedRequest = IncomingMessage & { [MATCHED]?: string };

/** Remembers which route pattern answered a request, for its metrics. */
export function noteRoutePattern(req: IncomingMessage, pattern: string): void {
  (req as NotedRequest)[MATCHED] = pattern;
}

/** The route pattern that answered a request; undefined when none matched. */
export function routePatternOf(req: IncomingMessage): string | undefined {
  return (req as NotedRequest)[MATCHED];
}
