import { NatterError } from "@natter/shared";

/** The RATE_LIMITED error for a refused hit, telling when to retry (at least a second from now). */
export function rateLimitedError(message: string, resetAt: number, now: number): NatterError {
  return new NatterError("RATE_LIMITED", message, {
    retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
  });
}
