import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { systemClock, toTimestamp } from "./clock.js";

const DAY = 24 * 3600_000;

describe("systemClock.schedule", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("waits for instants beyond setTimeout's 2^31 ms, which would otherwise fire at once", () => {
    const fired = vi.fn();
    systemClock.schedule(Date.now() + 30 * DAY, fired);
    vi.advanceTimersByTime(2 ** 31);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * DAY - 2 ** 31 - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
  });

  it("runs an instant that has passed soon, and not at all once cancelled, even between steps", () => {
    const fired = vi.fn();
    const cancelled = vi.fn();
    systemClock.schedule(Date.now() - 1, fired);
    const cancel = systemClock.schedule(Date.now() + 40 * DAY, cancelled);
    vi.advanceTimersByTime(2 ** 31 + 1);
    cancel();
    vi.advanceTimersByTime(50 * DAY);
    expect(fired).toHaveBeenCalledOnce();
    expect(cancelled).not.toHaveBeenCalled();
  });
});

describe("toTimestamp", () => {
  it("answers what toISOString does, for the same instant again and for others in between", () => {
    const instants = [0, 0, -0, 1.5, 1, Date.UTC(2026, 11, 7, 9, 40), Date.UTC(2026, 11, 7, 9, 40), -1, 8.64e15, 0];
    for (const ms of instants) expect(toTimestamp(ms)).toBe(new Date(ms).toISOString());
  });

  it("throws for an instant no date holds, and is not thrown off by it", () => {
    expect(toTimestamp(5)).toBe(new Date(5).toISOString());
    for (const ms of [Number.NaN, 8.64e15 + 1, Number.POSITIVE_INFINITY])
      expect(() => toTimestamp(ms)).toThrow(RangeError);
    expect(toTimestamp(5)).toBe(new Date(5).toISOString());
  });
});
