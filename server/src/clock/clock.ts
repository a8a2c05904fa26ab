/** Where the server reads the time; tests pass one they can move. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** An instant as the fixed-width ISO-8601 text the database stores. */
export function toTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}
