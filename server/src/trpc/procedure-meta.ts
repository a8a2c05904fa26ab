import type { AnyRouter } from "@trpc/server";
import type { ProcedureMeta } from "./meta.js";

/** The meta of the procedure at a dotted path, if there is one. */
export function procedureMeta(router: AnyRouter, path: string): ProcedureMeta | undefined {
  const procedures = router._def.procedures as Record<string, { _def: { meta?: ProcedureMeta } } | undefined>;
  return procedures[path]?._def.meta;
}

/** Headers an answer to these procedures must carry. */
export function responseHeadersFor(router: AnyRouter, paths: readonly string[] | undefined): Record<string, string> {
  const noStore = paths?.some((path) => procedureMeta(router, path)?.noStore) ?? false;
  return noStore ? { "Cache-Control": "no-store", Pragma: "no-cache" } : {};
}
