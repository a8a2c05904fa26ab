/** What a route label is made from: the REST operations' templates and the tRPC procedures. */
export interface RouteLabelSource {
  /** `["GET", "/rooms/{roomId}"]` for every REST operation, paths below the REST prefix. */
  restOperations: readonly (readonly [method: string, template: string])[];
  restPrefix: string;
  trpcPrefix: string;
  procedures: readonly string[];
}

/**
 * Names a request by what it asked for, never by its ids: `/api/v1/rooms/{roomId}`,
 * `/trpc/rooms.get`, `/healthz`. The labels are a fixed set, so metrics stay bounded whatever
 * paths clients make up.
 */
export function createRouteLabeler(source: RouteLabelSource) {
  const rest = source.restOperations.map(([method, template]) => ({
    method: method.toUpperCase(),
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
  }));
  const procedures = new Set(source.procedures);

  /** The label of a request the route table matched with `pattern`, or of an unmatched one. */
  return (method: string, pattern: string | undefined, pathname: string): string => {
    if (pattern === undefined) return "unmatched";
    if (pattern === `${source.restPrefix}/*`) {
      const below = pathname.slice(source.restPrefix.length);
      const found = rest.find((operation) => operation.method === method && operation.pattern.test(below));
      return `${source.restPrefix}${found ? found.template : "/unmatched"}`;
    }
    if (pattern === `${source.trpcPrefix}/*`) {
      const names = decodeURIComponent(pathname.slice(source.trpcPrefix.length + 1)).split(",");
      if (names.length > 1) return `${source.trpcPrefix}/batch`;
      return `${source.trpcPrefix}/${procedures.has(names[0] ?? "") ? names[0] : "unknown"}`;
    }
    return pattern;
  };
}
