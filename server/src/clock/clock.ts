/** Where the server reads the time and waits for instants; tests pass one they can move. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Calls `callback` once, when this clock reaches `instant` (ms since the epoch), or soon if it
   * has passed. Answers what cancels it. A pending call does not keep the process alive.
   */
  schedule(instant: number, callback: () => void): () => void;
}

/** The longest delay `setTimeout` keeps; longer ones fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(instant, callback) {
    let timer: NodeJS.Timeout;
    // Waits in steps of at most MAX_TIMEOUT_MS, so instants weeks away (long session lifetimes) hold.
    const arm = () => {
      const delay = Math.max(0, instant - Date.now());
      timer = setTimeout(delay > MAX_TIMEOUT_MS ? arm : callback, Math.min(delay, MAX_TIMEOUT_MS));
      timer.unref();
    };
    arm();
    return () => clearTimeout(timer);
  },
};

/** The instant `toTimestamp` wrote last, and its text. */
let lastMs = Number.NaN;
let lastText = "";

/**
 * An instant as the fixed-width ISO-8601 text the database stores. The last one is kept: a
 * send writes its instant three times (its message, its event, its inbox entries), and V8's
 * `toISOString` formats through `snprintf` (~8k instructions a call by callgrind).
 */
export function toTimestamp(ms: number): string {
  if (ms !== lastMs) {
    // Throws for an instant outside the dates' range (NaN included) before anything is kept.
    lastText = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastText;
}
