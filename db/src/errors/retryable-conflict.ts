/** PostgreSQL's serialization_failure and deadlock_detected. */
const RETRYABLE_CODES = new Set(["40001", "40P01"]);

/**
 * Whether a driver error means the transaction lost a race with another one and would
 * likely succeed if run again from the start: a serialization failure or a deadlock on
 * PostgreSQL. SQLite has neither: `begin immediate` makes writers wait their turn.
 */
export function isRetryableConflict(error: unknown): boolean {
  if (typeof error !== "object" || error === null || !("code" in error)) return false;
  return typeof error.code === "string" && RETRYABLE_CODES.has(error.code);
}
