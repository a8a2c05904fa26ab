import { NatterError } from "@natter/shared";
import { initTRPC, TRPCError } from "@trpc/server";
import { endedTokenError } from "../auth/ended-token-error.js";
import type { RequestContext } from "./context.js";
import { toErrorBody, toTRPCError, trpcErrorShape } from "./error-mapping.js";
import type { ProcedureMeta } from "./meta.js";
import { releaseSubscriptionSlot, releasingSlot, takeSubscriptionSlot } from "./subscription-slots.js";

const t = initTRPC
  .context<RequestContext>()
  .meta<ProcedureMeta>()
  .create({
    // Subscriptions travel over the WebSocket only, where sockets close with their session and
    // slow readers are dropped: tRPC's HTTP event streams would bypass both.
    sse: { enabled: false },
    // Every error leaves as our error body; stacks and unexpected messages never do. The tRPC
    // codes follow the body too: an error thrown inside a subscription reaches here as an
    // INTERNAL_SERVER_ERROR even when it carries a NatterError.
    errorFormatter: ({ shape, error }) => trpcErrorShape(toErrorBody(error), shape.data.path),
  });

export const router = t.router;
/** Joins routers into one namespace, such as `rooms` built from two files. */
export const mergeRouters = t.mergeRouters;

/**
 * Deny by default: a procedure that does not declare its access cannot be called. A write
 * that declares a rate limit counts against it first, whichever transport carried it.
 */
const base = t.procedure.use(async ({ meta, ctx, type, next }) => {
  if (!meta?.access) {
    throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "procedure declares no access" });
  }
  if (ctx.endedToken && !meta.acceptsEndedToken) {
    throw toTRPCError(endedTokenError());
  }
  if (meta.rateLimit) {
    try {
      await ctx.writeLimits.take(meta.rateLimit, { address: ctx.clientAddress, userId: ctx.session?.userId });
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
  const result = await next();
  if (slots && result.ok && isAsyncIterable(result.data)) return { ...result, data: releasingSlot(result.data, slots) };
  if (slots) releaseSubscriptionSlot(slots);
  if (!result.ok && result.error.cause instanceof NatterError) throw toTRPCError(result.error.cause);
  return result;
});

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/** Callable by anyone; `ctx.session` may be null. */
export const publicProcedure = base.meta({ access: "public" });

/** Callable by a signed-in user only; `ctx.session` is set. */
export const userProcedure = base.meta({ access: "user" }).use(({ ctx, next }) => {
  if (!ctx.session) throw toTRPCError(new NatterError("UNAUTHENTICATED", "Sign in to do this"));
  return next({ ctx: { ...ctx, session: ctx.session } });
});

/**
 * Callable by a signed-in server admin only: anyone else gets 403 FORBIDDEN (401 when not
 * signed in). The session's flag is as of its resolution; services check it again.
 */
export const adminProcedure = base.meta({ access: "admin" }).use(({ ctx, next }) => {
  if (!ctx.session) throw toTRPCError(new NatterError("UNAUTHENTICATED", "Sign in to do this"));
  if (!ctx.session.isAdmin) throw toTRPCError(new NatterError("FORBIDDEN", "Only server admins may do this"));
  return next({ ctx: { ...ctx, session: ctx.session } });
});
