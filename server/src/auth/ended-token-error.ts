import { NatterError } from "@natter/shared";

/**
 * The refusal of a bearer token that was presented but is no session (logged out, expired or
 * unknown). It is never taken as no token: the caller must learn to log in again, not that
 * what it asked for is gone. Every transport answers it alike (401 with `WWW-Authenticate`).
 */
export function endedTokenError(): NatterError {
  return new NatterError("UNAUTHENTICATED", "This token has ended (logged out, expired or unknown): log in again");
}
