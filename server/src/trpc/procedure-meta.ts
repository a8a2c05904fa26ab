import type { AnyRouter, TRPCError } from "@trpc/server";
import type { RequestContext } from "./context.js";
import { errorHeaders, toErrorBody } from "./error-mapping.js";
import type { ProcedureMeta } from "./meta.js";

/** The meta of the procedure at a dotted path, if there is one. */
export function procedureMeta(router: AnyRouter, path: string): ProcedureMeta | undefined {
  const procedures = router._def.procedures as Record<string, { _def: { meta?: ProcedureMeta } } | undefined>;
  return procedures[path]?._def.meta;
}

/** What an HTTP answer to one or more procedure calls is decided from. */
export interface AnsweredCalls {
  paths: readonly string[] | undefined;
  errors: readonly TRPCError[];
  ctx: RequestContext | undefined;
  type: string;
}

/**
 * Headers an answer to these procedures must carry: no caching of secrets nor of what a
 * signed-in caller reads, and the headers of its errors (the scheme to sign in with after a
 * 401, when to retry after a refusal for rate).
 */
export function responseHeadersFor(router: AnyRouter, { paths, errors, ctx, type }: AnsweredCalls) {
  const headers: Record<string, string> = {};
  const secret = paths?.some((path) => procedureMeta(router, path)?.noStore);
  if (secret || (type === "query" && ctx?.session)) {
    Object.assign(headers, { "Cache-Control": "no-store", Pragma: "no-cache" });
  }
  for (const error of errors) {
    for (const [name, value] of Object.entries(errorHeaders(toErrorBody(error)))) {
      // Of several calls refused for rate, the longest wait is the one to honour.
      headers[name] = name === "Retry-After" && headers[name] ? String(Math.max(+headers[name], +value)) : value;
    }
  }
  return headers;
}
