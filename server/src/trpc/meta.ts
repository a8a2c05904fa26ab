import type { ApiKeyScope, ErrorCode } from "@natter/shared";
import type { OpenApiMeta } from "trpc-to-openapi";
import type { WriteKind } from "../rate-limit/write-limits.js";

/**
 * Who may call a procedure. Declared on every procedure; a procedure without it is denied.
 * - `public`: anyone, signed in or not;
 * - `user`: a signed-in user (the procedure may check more, such as a room role);
 * - `admin`: a signed-in server admin (the service checks the flag again, as of the call).
 */
export type Access = "public" | "user" | "admin";

/** What a procedure declares about itself besides its input and output. */
export type ProcedureMeta = OpenApiMeta<{
  access?: Access;
  /**
   * The API key scope a call with a key needs. Deny by default: a procedure that declares none
   * (sign-in, sessions, profile changes, admin and webhook management) answers 403
   * INSUFFICIENT_SCOPE to any key; session tokens are not concerned.
   */
  scope?: ApiKeyScope;
  /** The REST status of a success, when it is not 200 (201 for creations). */
  successStatus?: 200 | 201;
  /** With `successStatus: 201`: the output's `created` says whether it was created; REST answers 200 when not. */
  createdFlag?: boolean;
  /** Answers that carry secrets (tokens) must not be cached by anyone. */
  noStore?: boolean;
  /** Callable with a token that has ended (log-out: ending it again is no error). */
  acceptsEndedToken?: boolean;
  /**
   * The error codes the procedure answers besides those any call may get (a bad input, a bad
   * Authorization header, an internal error); the OpenAPI document lists them per status.
   */
  errors?: readonly ErrorCode[];
  /** The write rate limits (per address and per account) each call counts against; adds RATE_LIMITED. */
  rateLimit?: WriteKind;
}>;
