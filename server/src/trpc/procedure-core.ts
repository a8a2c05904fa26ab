/**
 * The one module that reaches into tRPC's internals (`@trpc/server/unstable-core-do-not-import`).
 * natter's own transports (the tRPC HTTP fast path, the REST adapter, the WebSocket handler)
 * find, run and answer procedures with these, exactly as tRPC's adapters do; nothing else
 * imports them (`procedure-core.test.ts` holds every file to that). tRPC does not promise
 * these from one release to the next: `@trpc/server`, `@trpc/client`, `ws` and
 * trpc-to-openapi are pinned, and an upgrade is a one-line change the contract suite
 * (`test/src/contract/`, natter's transports against tRPC's own adapters) judges.
 */
import type { ServerResponse } from "node:http";
import type { AnyProcedure, ProcedureCallOptions } from "@trpc/server/unstable-core-do-not-import";
import type { RequestContext } from "./context.js";

export {
  type AnyProcedure,
  type AnyRouter,
  callProcedure,
  getErrorShape,
  getHTTPStatusCode,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isTrackedEnvelope,
  parseConnectionParamsFromUnknown,
  parseTRPCMessage,
  type TRPCClientOutgoingMessage,
  TRPCError,
  type TRPCResponseMessage,
  transformTRPCResponse,
} from "@trpc/server/unstable-core-do-not-import";

/** One call of a procedure found beforehand: what it is given besides its context. */
export type ProcedureCall = Pick<
  ProcedureCallOptions<RequestContext>,
  "path" | "type" | "ctx" | "getRawInput" | "signal"
>;

/**
 * Calls a procedure the caller has found (and checked the type of) as tRPC's own caller
 * does, with only the options a procedure takes. `callProcedure` passes its whole options on
 * (the router among them), and every level of tRPC's middleware chain copies them, key by
 * key: the fewer the keys, the cheaper the call.
 */
export function runProcedure(procedure: AnyProcedure, call: ProcedureCall): Promise<unknown> {
  return procedure({ ...call, batchIndex: 0 });
}

/**
 * A signal that aborts when the client goes away before its answer is written whole, for the
 * procedure of an HTTP request (tRPC's handler gives its procedures the same).
 */
export function connectionSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
