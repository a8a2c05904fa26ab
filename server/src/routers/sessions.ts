import { endedSessionsSchema, endSessionInputSchema, sessionListSchema } from "@natter/shared";
import { z } from "zod";
import type { Services } from "../services/services.js";
import { router, userProcedure } from "../trpc/trpc.js";

const okSchema = z.object({ ok: z.literal(true) });

/** The caller's own sessions: list them, end one, end all but this one. */
export function createSessionsRouter({ sessions }: Services) {
  return router({
    list: userProcedure
      .meta({
        openapi: {
          method: "GET",
          path: "/me/sessions",
          tags: ["auth"],
          summary: "Your sessions",
          description: "Every live session of the caller, most recently used first; the caller's own is `current`.",
        },
        noStore: true,
      })
      .input(z.strictObject({}).optional())
      .output(sessionListSchema)
      .query(async ({ ctx }) => ({ sessions: await sessions.list(ctx.session) })),

    end: userProcedure
      .meta({
        errors: ["SESSION_NOT_FOUND"],
        openapi: {
          method: "DELETE",
          path: "/me/sessions/{sessionId}",
          tags: ["auth"],
          summary: "End one of your sessions",
          description: "Its token stops working and its WebSockets close with 4401 at once.",
        },
      })
      .input(endSessionInputSchema)
      .output(okSchema)
      .mutation(async ({ ctx, input }) => {
        await sessions.end(ctx.session, input.sessionId);
        return { ok: true as const };
      }),

    endOthers: userProcedure
      .meta({
        openapi: {
          method: "DELETE",
          path: "/me/sessions",
          tags: ["auth"],
          summary: "End all your other sessions",
          description: "Every session of the caller but the current one ends at once; answers how many.",
        },
      })
      .input(z.strictObject({}).optional())
      .output(endedSessionsSchema)
      .mutation(async ({ ctx }) => ({ ended: await sessions.endOthers(ctx.session) })),
  });
}
