import { ERROR_HTTP_STATUS, NatterError } from "@natter/shared";
import { initTRPC, TRPCError } from "@trpc/server";
import type { RequestContext } from "./context.js";
import { toErrorBody, toTRPCError } from "./error-mapping.js";
import type { ProcedureMeta } from "./meta.js";

const t = initTRPC
  .context<RequestContext>()
  .meta<ProcedureMeta>()
  .create({
    // Subscriptions travel over the WebSocket only, where sockets close with their session and
    // slow readers are dropped: tRPC's HTTP event streams would bypass both.
    sse: { enabled: false },
    // Every error leaves as our error body; stacks and unexpected messages never do.
    errorFormatter: ({ shape, error }) => {
      const body = toErrorBody(error);
      return {
        message: body.message,
        code: shape.code,
        data: { code: shape.data.code, httpStatus: ERROR_HTTP_STATUS[body.code], path: shape.data.path, error: body },
      };
    },
  });

export const router = t.router;
/** Joins routers into one namespace, such as `rooms` built from two files. */
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;

/** Deny by default: a procedure that does not declare its access cannot be called. */
const base = t.procedure.use(async ({ meta, next }) => {
  if (!meta?.access) {
    throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "procedure declares no access" });
  }
  const result = await next();
  if (!result.ok && result.error.cause instanceof NatterError) throw toTRPCError(result.error.cause);
  return result;
});

/** Callable by anyone; `ctx.session` may be null. */
export const publicProcedure = base.meta({ access: "public" });

/** Callable by a signed-in user only; `ctx.session` is set. */
export const userProcedure = base.meta({ access: "user" }).use(({ ctx, next }) => {
  if (!ctx.session) throw toTRPCError(new NatterError("UNAUTHENTICATED", "Sign in to do this"));
  return next({ ctx: { ...ctx, session: ctx.session } });
});
