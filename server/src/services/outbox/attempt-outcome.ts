/** How one attempt of an outbox row (a webhook delivery, a push) went over the network. */
export interface AttemptOutcome {
  /** The receiver's status; null when it did not answer. */
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** At most 1 KB of the receiver's answer. */
  response: string | null;
  /** The receiver's `Retry-After`, in milliseconds, if it gave one. */
  retryAfterMs: number | undefined;
  /** True when trying again cannot help: the address is refused (private networks not allowed), or the request cannot be made. */
  permanent?: boolean;
}
