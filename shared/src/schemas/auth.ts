import { z } from "zod";
import { passwordSchema, usernameSchema, userSchema } from "./user.js";

export const credentialsSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
});

/** Log-in input: any string is accepted so that a bad name is told apart from nothing. */
export const logInInputSchema = z.strictObject({
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
});

/** What sign-up and log-in answer: the user and a bearer token. */
export const authResultSchema = z
  .object({
    user: userSchema,
    token: z.string(),
    tokenType: z.literal("Bearer"),
    /** Seconds until the token expires if unused. */
    expiresIn: z.number().int().positive(),
  })
  .meta({ id: "AuthResult" });

export type AuthResult = z.infer<typeof authResultSchema>;

export const changePasswordInputSchema = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: passwordSchema,
});
