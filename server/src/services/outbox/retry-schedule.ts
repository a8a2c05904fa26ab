/**
 * How long a failed delivery waits before its next attempt, by the number of attempts made:
 * 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, then every 12 h, each with ±20%
 * jitter so that the deliveries of one outage do not all come back at the same instant. The
 * first retry comes within 10 s. A delivery is given up once its next attempt would fall more
 * than `RETRY_WINDOW_MS` (3 days) after the event: about 15 attempts.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  30_000,
  2 * 60_000,
  10 * 60_000,
  30 * 60_000,
  3_600_000,
  2 * 3_600_000,
  4 * 3_600_000,
  8 * 3_600_000,
  12 * 3_600_000,
];

/** How long deliveries are retried after their event; an endpoint failing this long is disabled. */
export const RETRY_WINDOW_MS = 3 * 24 * 3_600_000;

/** The most a receiver's `Retry-After` may delay the next attempt. */
const RETRY_AFTER_MAX_MS = 24 * 3_600_000;

/**
 * The wait before the next attempt after `attempts` failed ones: the receiver's `Retry-After`
 * when it gave one (at most a day), the schedule with jitter otherwise. `random` is in [0, 1).
 */
export function retryDelayMs(attempts: number, retryAfterMs: number | undefined, random = Math.random()): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(retryAfterMs, 0), RETRY_AFTER_MAX_MS);
  const base = RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1] ?? RETRY_DELAYS_MS[0] ?? 5_000;
  return Math.round(base * (0.8 + 0.4 * random));
}

/**
 * A `Retry-After` header in milliseconds from `now`: delta-seconds or an HTTP date;
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
