import type { IncomingMessage } from "node:http";

const matched = new WeakMap<IncomingMessage, string>();

/** Remembers which route pattern answered a request, for its metrics. */
export function noteRoutePattern(req: IncomingMessage, pattern: string): void {
  matched.set(req, pattern);
}

/** The route pattern that answered a request; undefined when none matched. */
export function routePatternOf(req: IncomingMessage): string | undefined {
  return matched.get(req);
}
