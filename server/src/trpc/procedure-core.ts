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
import {
  type AnyMiddlewareFunction,
  type AnyProcedure,
  getTRPCErrorFromUnknown,
  type MiddlewareResult,
  middlewareMarker,
  type ProcedureCallOptions,
  TRPCError,
} from "@trpc/server/unstable-core-do-not-import";
import type { RequestContext } from "./context.js";
import { StopSignal } from "./stop-signal.js";

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
 * does (`createProcedureCaller` and its `callRecursive`), with only the options a procedure
 * takes: each middleware of the procedure in turn (natter's checks, the input's parse, the
 * output's, the resolver) is given the call's options with the procedure's `meta`, the
 * `input` parsed so far and `next`; `next(opts)` runs the next one with `opts.ctx` merged
 * into the context and `opts.input` or `opts.getRawInput` in place of the current ones; a
 * middleware that throws answers `{ ok: false, error }`, and a failed result is thrown.
 *
 * Why not tRPC's own: it copies the options at every level with a helper that defines each
 * key again from its property descriptor (`_objectSpread2`), twice a level, four levels a
 * send; here they are copied with object spread. A chain like a send's (a checking
 * middleware that narrows the context, input and output middlewares, the resolver), 100,000
 * calls in one process: ~17 µs of CPU a call against ~40 with tRPC's caller (load 13).
 * `procedure-core.test.ts` holds it to tRPC's caller, answer for answer and error for error.
 */
export async function runProcedure(procedure: AnyProcedure, call: ProcedureCall): Promise<unknown> {
  // The chain tRPC's caller runs: its builder's definition, which the procedure's carries (untyped).
  const { middlewares, meta } = procedure._def as unknown as ProcedureChain;
  const { path, type, ctx, getRawInput, signal } = call;
  const options = { path, type, ctx, getRawInput, signal, batchIndex: 0, input: undefined };
  const result = await callMiddleware(middlewares, 0, meta, options);
  if (!result) {
    throw new TRPCError({
      code: "INTERNAL_SERVER_ERROR",
      message: "No result from middlewares - did you forget to `return next()`?",
    });
  }
  if (!result.ok) throw result.error;
  return result.data;
}

/** What a procedure's definition holds of its chain. */
interface ProcedureChain {
  middlewares: readonly AnyMiddlewareFunction[];
  meta: unknown;
}

/** What a level of the chain is called with, besides `meta` and `next`. */
type LevelOptions = ProcedureCall & { batchIndex: number; input?: unknown };

/** One level of the chain, as tRPC's `callRecursive` runs it. */
async function callMiddleware(
  middlewares: readonly AnyMiddlewareFunction[],
  index: number,
  meta: unknown,
  options: LevelOptions,
): Promise<MiddlewareResult<unknown>> {
  try {
    const middleware = middlewares[index] as AnyMiddlewareFunction;
    const { path, type, ctx, getRawInput, signal, batchIndex, input } = options;
    const next = (nextOptions?: { ctx?: object; input?: unknown; getRawInput?: () => Promise<unknown> }) =>
      callMiddleware(middlewares, index + 1, meta, {
        path,
        type,
        ctx: nextOptions?.ctx ? { ...ctx, ...nextOptions.ctx } : ctx,
        getRawInput: nextOptions?.getRawInput ?? getRawInput,
        signal,
        batchIndex,
        input: nextOptions && "input" in nextOptions ? nextOptions.input : input,
      });
    // Written out key by key, in the order tRPC's spreads give them (`input` comes before `meta`
    // once a level has passed it on), not spread and then given more keys: that took V8's slow
    // path for each key (DefineNamedOwnIC), ~40k instructions of a REST send (callgrind).
    const given =
      index === 0
        ? { path, type, ctx, getRawInput, signal, batchIndex, meta, input, next }
        : { path, type, ctx, getRawInput, signal, batchIndex, input, meta, next };
    return await middleware(given as Parameters<AnyMiddlewareFunction>[0]);
  } catch (cause) {
    return { ok: false, error: getTRPCErrorFromUnknown(cause), marker: middlewareMarker };
  }
}

/**
 * A signal that aborts when the client goes away before its answer is written whole, for the
 * procedure of an HTTP request (tRPC's handler gives its procedures the same). A `StopSignal`,
 * not an `AbortController`: one is made for every request, and a platform controller with its
 * `AbortSignal` cost ~40k instructions of a ~1M-instruction REST send (callgrind), for a signal
 * that no query or mutation of ours reads.
 */
export function connectionSignal(res: ServerResponse): AbortSignal {
  const stop = new StopSignal();
  res.once("close", () => {
    if (!res.writableFinished) stop.abort();
  });
  return stop.signal;
}
