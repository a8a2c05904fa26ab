import type { AnyProcedure, ProcedureCallOptions } from "@trpc/server/unstable-core-do-not-import";
import type { RequestContext } from "./context.js";

/** One call of a procedure found beforehand: what it is given besides its context. */
export type ProcedureCall = Pick<ProcedureCallOptions<RequestContext>, "path" | "type" | "ctx" | "getRawInput">;

/**
 * Calls a procedure the caller has found (and checked the type of) as tRPC's own caller
 * does, with only the options a procedure takes. `callProcedure` passes its whole options on
 * (the router among them), and every level of tRPC's middleware chain copies them, key by
 * key: the fewer the keys, the cheaper the call.
 */
export function runProcedure(procedure: AnyProcedure, call: ProcedureCall): Promise<unknown> {
  return procedure({ ...call, signal: undefined, batchIndex: 0 });
}
