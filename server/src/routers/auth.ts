import { authResultSchema, changePasswordInputSchema, credentialsSchema, logInInputSchema } from "@natter/shared";
import { z } from "zod";
import type { Services } from "../services/services.js";
import { publicProcedure, router, userProcedure } from "../trpc/trpc.js";

const okSchema = z.object({ ok: z.literal(true) });

/** Sign-up, log-in, log-out and password changes. */
export function createAuthRouter({ accounts }: Services) {
  return router({
    signUp: publicProcedure
      .meta({
        errors: ["USERNAME_TAKEN", "SIGNUP_CLOSED"],
        rateLimit: "signUp",
        openapi: {
          method: "POST",
          path: "/users",
          tags: ["auth"],
          summary: "Sign up",
          description:
            "Creates an account and a first session; answers the user and a bearer token. Usernames are unique " +
            "whatever their case. 403 SIGNUP_CLOSED when the server only lets admins create accounts.",
          protect: false,
        },
        successStatus: 201,
        noStore: true,
      })
      .input(credentialsSchema)
      .output(authResultSchema)
      .mutation(({ ctx, input }) => accounts.signUp(input.username, input.password, { userAgent: ctx.userAgent })),

    logIn: publicProcedure
      .meta({
        errors: ["INVALID_CREDENTIALS", "ACCOUNT_BANNED", "RATE_LIMITED"],
        rateLimit: "logIn",
        openapi: {
          method: "POST",
          path: "/sessions",
          tags: ["auth"],
          summary: "Log in",
          description:
            "Opens a session and answers its bearer token. An unknown user and a wrong password answer alike; " +
            "repeated failures for one username are throttled (429 with Retry-After).",
          protect: false,
          errorResponses: {
            400: "Invalid input",
            401: "Invalid username or password",
            403: "The account is banned (ACCOUNT_BANNED)",
            429: "Too many failed log-ins for this username, or log-ins from this address; see Retry-After",
            500: "Internal server error",
          },
        },
        noStore: true,
      })
      .input(logInInputSchema)
      .output(authResultSchema)
      .mutation(({ ctx, input }) => accounts.logIn(input.username, input.password, { userAgent: ctx.userAgent })),

    logOut: publicProcedure
      .meta({
        acceptsEndedToken: true,
        openapi: {
          method: "DELETE",
          path: "/sessions/current",
          tags: ["auth"],
          summary: "Log out",
          description: "Ends the session of the bearer token everywhere at once. Idempotent.",
        },
      })
      .input(z.strictObject({}).optional())
      .output(okSchema)
      .mutation(async ({ ctx }) => {
        if (ctx.session) await accounts.logOut(ctx.session.sessionId);
        return { ok: true as const };
      }),

    changePassword: userProcedure
      .meta({
        errors: ["INVALID_CREDENTIALS", "RATE_LIMITED"],
        openapi: {
          method: "PUT",
          path: "/me/password",
          tags: ["auth"],
          summary: "Change password",
          description:
            "Ends every other session of the user. Wrong current passwords are throttled per user like " +
            "log-ins per username: past the limit, 429 RATE_LIMITED with Retry-After.",
        },
      })
      .input(changePasswordInputSchema)
      .output(okSchema)
      .mutation(async ({ ctx, input }) => {
        await accounts.changePassword(ctx.session, input.currentPassword, input.newPassword);
        return { ok: true as const };
      }),
  });
}
