import { idSchema, userSchema } from "@natter/shared";
import { z } from "zod";
import type { Services } from "../services/services.js";
import { router, userProcedure } from "../trpc/trpc.js";

const userResultSchema = z.object({ user: userSchema });

/** Who am I, and who is that. */
export function createUsersRouter({ accounts }: Services) {
  return router({
    me: userProcedure
      .meta({ openapi: { method: "GET", path: "/me", tags: ["users"], summary: "The signed-in user" } })
      .input(z.strictObject({}).optional())
      .output(userResultSchema)
      .query(async ({ ctx }) => ({ user: await accounts.getUser(ctx.session.userId) })),

    byId: userProcedure
      .meta({
        errors: ["USER_NOT_FOUND"],
        openapi: { method: "GET", path: "/users/{userId}", tags: ["users"], summary: "A user by id" },
      })
      .input(z.strictObject({ userId: idSchema }))
      .output(userResultSchema)
      .query(async ({ input }) => ({ user: await accounts.getUser(input.userId) })),
  });
}
