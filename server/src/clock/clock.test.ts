import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "./clock.js";

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
