import { describe, expect, it } from "vitest";
import { parseRetryAfter, RETRY_DELAYS_MS, RETRY_WINDOW_MS, retryDelayMs } from "./retry-schedule.js";

describe("the webhook retry schedule", () => {
  it("retries first within 10 s, whatever the jitter", () => {
    for (const random of [0, 0.5, 0.999]) {
      const delay = retryDelayMs(1, undefined, random);
      expect(delay).toBeGreaterThanOrEqual(4_000);
      expect(delay).toBeLessThanOrEqual(10_000);
    }
  });

  it("backs off and keeps retrying for the 3 days of the window", () => {
    let elapsed = 0;
    let attempts = 1;
    while (elapsed + retryDelayMs(attempts, undefined, 0.5) <= RETRY_WINDOW_MS) {
      elapsed += retryDelayMs(attempts, undefined, 0.5);
      attempts += 1;
    }
    expect(attempts).toBeGreaterThanOrEqual(12);
    expect(RETRY_WINDOW_MS - elapsed).toBeLessThanOrEqual(12 * 3_600_000 * 1.2);
    for (let i = 1; i < RETRY_DELAYS_MS.length; i += 1) {
      expect(RETRY_DELAYS_MS[i]).toBeGreaterThan(RETRY_DELAYS_MS[i - 1] as number);
    }
  });

  it("spreads retries with jitter of ±20%", () => {
    expect(retryDelayMs(3, undefined, 0)).toBe(0.8 * 120_000);
    expect(retryDelayMs(3, undefined, 0.999_999)).toBeCloseTo(1.2 * 120_000, -1);
  });

  it("honours Retry-After, in seconds or as a date, up to a day", () => {
    const now = Date.parse("2026-12-05T10:00:00Z");
    expect(retryDelayMs(1, parseRetryAfter("2", now))).toBe(2_000);
    expect(parseRetryAfter("Sat, 05 Dec 2026 10:01:00 GMT", now)).toBe(60_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(retryDelayMs(1, parseRetryAfter("999999", now))).toBe(24 * 3_600_000);
  });
});
