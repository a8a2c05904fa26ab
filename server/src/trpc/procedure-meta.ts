import { NatterError } from "@natter/shared";
import type { AnyRouter, TRPCError } from "@trpc/server";
import type { ProcedureMeta } from "./meta.js";

/** The meta of the procedure at a dotted path, if there is one. */
export function procedureMeta(router: AnyRouter, path: string): ProcedureMeta | undefined {
  const procedures = router._def.procedures as Record<string, { _def: { meta?: ProcedureMeta } } | undefined>;
  return procedures[path]?._def.meta;
}

/**
 * Headers an answer to these procedures must carry: no caching of secrets, and when to
 * retry after a refusal for rate.
 */
export function responseHeadersFor(
  router: AnyRouter,
  paths: readonly string[] | undefined,
  errors: readonly TRPCError[] = [],
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (paths?.some((path) => procedureMeta(router, path)?.noStore)) {
    Object.assign(headers, { "Cache-Control": "no-store", Pragma: "no-cache" });
  }
  const retryAfter = errors.flatMap((error) =>
    error.cause instanceof NatterError && error.cause.details?.retryAfterSeconds !== undefined
      ? [error.cause.details.retryAfterSeconds]
      : [],
  );
  if (retryAfter.length > 0) headers["Retry-After"] = String(Math.max(...retryAfter));
  return headers;
}
