import { NatterError, NUL_CHARACTER_REFUSAL, nulCharacterPaths } from "@natter/shared";
import { initTRPC, TRPCError } from "@trpc/server";
import { requireScope } from "../auth/api-key-scopes.js";
import { endedTokenError } from "../auth/ended-token-error.js";
import type { RequestContext, SubscriptionSlots } from "./context.js";
import { toErrorBody, toTRPCError, trpcErrorShape } from "./error-mapping.js";
import type { ProcedureMeta } from "./meta.js";
import { releaseSubscriptionSlot, releasingSlot, takeSubscriptionSlot } from "./subscription-slots.js";

const t = initTRPC
  .context<RequestContext>()
  .meta<ProcedureMeta>()
  .create({
    // Subscriptions also travel as Server-Sent Events (`httpSubscriptionLink`), admitted as live
    // connections by the tRPC HTTP handler. A comment-free ping keeps proxies from cutting a quiet
    // stream, and tells the client to reconnect (with its last event id) when pings stop coming.
    sse: {
      enabled: true,
      ping: { enabled: true, intervalMs: 15_000 },
      client: { reconnectAfterInactivityMs: 40_000 },
    },
    // Every error leaves as our error body; stacks and unexpected messages never do. The tRPC
    // codes follow the body too: an error thrown inside a subscription reaches here as an
    // INTERNAL_SERVER_ERROR even when it carries a NatterError.
    errorFormatter: ({ shape, error }) => trpcErrorShape(toErrorBody(error), shape.data.path),
  });

export const router = t.router;
/** Joins routers into one namespace, such as `rooms` built from two files. */
export const mergeRouters = t.mergeRouters;

/** What a procedure's middleware is given (the parts its checks read). */
interface GuardedCall {
  meta: ProcedureMeta | undefined;
  ctx: RequestContext;
  type: "query" | "mutation" | "subscription";
  getRawInput: () => Promise<unknown>;
}

/**
 * Deny by default: a procedure that does not declare its access cannot be called. A write
 * that declares a rate limit counts against it first, whichever transport carried it; a
 * subscription takes one of the caller's slots, which `settle` gives back. Each procedure
 * builder below has one middleware that runs this, then its own check of who may call: a
 * call passes a single level of tRPC's middleware chain before its input validation (each
 * level copies the call's options).
 */
async function admit({ meta, ctx, type, getRawInput }: GuardedCall): Promise<SubscriptionSlots | undefined> {
  if (!meta?.access) {
    throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "procedure declares no access" });
  }
  if (ctx.endedToken && !meta.acceptsEndedToken) {
    throw toTRPCError(endedTokenError());
  }
  if (ctx.session?.scopes) {
    try {
      requireScope(ctx.session, meta.scope);
    } catch (error) {
      throw error instanceof NatterError ? toTRPCError(error) : error;
    }
  }
  refuseNulCharacters(await getRawInput());
  if (meta.rateLimit) {
    // Bots' sends count against a limit of their own (NATTER_BOT_SEND_RATE_PER_ACCOUNT).
    const kind = meta.rateLimit === "messageSend" && ctx.session?.isBot ? "botSend" : meta.rateLimit;
    try {
      await ctx.writeLimits.take(kind, { address: ctx.clientAddress, userId: ctx.session?.userId });
    } catch (error) {
      throw error instanceof NatterError ? toTRPCError(error) : error;
    }
  }
  const slots = type === "subscription" ? ctx.subscriptions : undefined;
  if (slots) {
    try {
      await takeSubscriptionSlot(slots);
    } catch (error) {
      throw error instanceof NatterError ? toTRPCError(error) : error;
    }
  }
  return slots;
}

/**
 * Input hygiene at the edge, before any schema or engine sees the input: a string holding
 * NUL is refused in every field of every procedure, whichever transport carried it.
 */
function refuseNulCharacters(input: unknown): void {
  const paths = nulCharacterPaths(input);
  if (paths.length === 0) return;
  throw toTRPCError(
    new NatterError("VALIDATION_FAILED", "Input validation failed", {
      issues: paths.map((path) => ({ path, message: NUL_CHARACTER_REFUSAL })),
    }),
  );
}

/** Runs the caller's check of an admitted call, giving its slot back if the check refuses. */
function check<T>(slots: SubscriptionSlots | undefined, allowed: () => T): T {
  try {
    return allowed();
  } catch (error) {
    if (slots) releaseSubscriptionSlot(slots);
    throw error;
  }
}

/** The procedure's outcome: a stream keeps its slot until it ends, anything else gives it back now. */
function settle<R extends { ok: boolean }>(result: R, slots: SubscriptionSlots | undefined): R {
  const data = result.ok ? (result as R & { data: unknown }).data : undefined;
  if (slots && isAsyncIterable(data)) return { ...result, data: releasingSlot(data, slots) };
  if (slots) releaseSubscriptionSlot(slots);
  const cause = result.ok ? undefined : (result as R & { error: TRPCError }).error.cause;
  if (cause instanceof NatterError) throw toTRPCError(cause);
  return result;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

function signedIn(ctx: RequestContext) {
  if (!ctx.session) throw toTRPCError(new NatterError("UNAUTHENTICATED", "Sign in to do this"));
  return { session: ctx.session };
}

/** Callable by anyone; `ctx.session` may be null. */
export const publicProcedure = t.procedure.meta({ access: "public" }).use(async (call) => {
  const slots = await admit(call);
  return settle(await call.next(), slots);
});

/** Callable by a signed-in user only; `ctx.session` is set. */
export const userProcedure = t.procedure.meta({ access: "user" }).use(async (call) => {
  const slots = await admit(call);
  const ctx = check(slots, () => signedIn(call.ctx));
  return settle(await call.next({ ctx }), slots);
});

/**
 * Callable by a signed-in server admin only: anyone else gets 403 FORBIDDEN (401 when not
 * signed in). The flag is read from the database on every call, not taken from the session
 * (resolved, or cached, before a grant or a revocation from the command line).
 */
export const adminProcedure = t.procedure.meta({ access: "admin" }).use(async (call) => {
  const slots = await admit(call);
  const ctx = check(slots, () => signedIn(call.ctx));
  const admin = await call.ctx.isServerAdmin(ctx.session.userId).catch((error: unknown) => {
    if (slots) releaseSubscriptionSlot(slots);
    throw error;
  });
  check(slots, () => {
    if (!admin) throw toTRPCError(new NatterError("FORBIDDEN", "Only server admins may do this"));
  });
  return settle(await call.next({ ctx }), slots);
});
