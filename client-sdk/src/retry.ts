import { isNetworkFailure, retryAfterMs } from "./errors.js";

/** How a call is retried after network failures. */
export interface RetryOptions {
  /** Cancels the call and any retry still to come. */
  signal?: AbortSignal;
  /** Attempts in all, the first included (default 8). */
  maxAttempts?: number;
  /** How long one attempt may take before it counts as a network failure (default 15 s). */
  attemptTimeoutMs?: number;
  /** Told before each retry, with the failure that caused it. */
  onRetry?: (info: { attempt: number; error: unknown }) => void;
}

const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;
/** The longest `Retry-After` waited out; a longer one is the caller's to decide on. */
const MAX_RETRY_AFTER_MS = 60_000;

/** What else than network failures a call may be retried after. */
export interface RetryPolicy {
  /**
   * A refusal that asks to wait, after the `Retry-After` it names (at most a minute): for rate
   * (429 `RATE_LIMITED`), or for an outage or a busy room (503 `UNAVAILABLE`, `BUSY`).
   */
  refusedForNow?: boolean;
}

/**
 * Runs `call` until it succeeds, natter answers with an error, or the attempts run out.
 * Network failures are retried, with jittered exponential backoff, and, if `policy` says so,
 * refusals for rate or for an outage once their `Retry-After` has passed; so `call` must be safe to repeat
 * (natter's `clientMessageId` makes a send so).
 */
export async function withRetry<T>(
  call: (signal: AbortSignal) => Promise<T>,
  options: RetryOptions = {},
  policy: RetryPolicy = {},
): Promise<T> {
  const { signal, maxAttempts = 8, attemptTimeoutMs = 15_000, onRetry } = options;
  for (let attempt = 1; ; attempt++) {
    const timeout = AbortSignal.timeout(attemptTimeoutMs);
    try {
      return await call(signal ? AbortSignal.any([signal, timeout]) : timeout);
    } catch (error) {
      const wait = policy.refusedForNow ? retryAfterMs(error) : undefined;
      const retryable = isNetworkFailure(error) || (wait !== undefined && wait <= MAX_RETRY_AFTER_MS);
      if (signal?.aborted || attempt >= maxAttempts || !retryable) throw error;
      onRetry?.({ attempt, error });
      await sleep(wait ?? backoffDelay(attempt), signal);
    }
  }
}

/** Exponential backoff with full jitter between half and all of the step, capped. */
export function backoffDelay(attempt: number): number {
  const step = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
  return step / 2 + Math.random() * (step / 2);
}

/** Waits `ms`; rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
