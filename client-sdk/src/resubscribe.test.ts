import { TRPCClientError } from "@trpc/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type KeptSubscriptionCallbacks, keepSubscribed } from "./resubscribe.js";

/** What tRPC's wsLink fails a subscription with when its socket was lost before it went out. */
const networkFailure = () => TRPCClientError.from(new Error("Active connection is not open"));
/** natter's refusal of a subscription. */
const refusal = () =>
  TRPCClientError.from({
    error: {
      message: "no such room",
      code: -32004,
      data: { code: "NOT_FOUND", httpStatus: 404, error: { code: "ROOM_NOT_FOUND", message: "no such room" } },
    },
  });

/** A stand-in for tRPC's `subscribe`: records each subscription's callbacks and whether it was torn down. */
const fakeSubscriptions = () => {
  const made: { callbacks: KeptSubscriptionCallbacks; unsubscribed: boolean }[] = [];
  const subscribe = (callbacks: KeptSubscriptionCallbacks) => {
    const entry = { callbacks, unsubscribed: false };
    made.push(entry);
    return {
      unsubscribe: () => {
        entry.unsubscribed = true;
      },
    };
  };
  return { made, subscribe, last: () => made.at(-1) as (typeof made)[number] };
};

describe("keepSubscribed", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("subscribes again after a backoff when the connection fails, shortest again once started", async () => {
    vi.useFakeTimers();
    const { made, subscribe, last } = fakeSubscriptions();
    const retried: unknown[] = [];
    const kept = keepSubscribed(subscribe, { onRetry: (error) => retried.push(error) });
    expect(made).toHaveLength(1);
    for (const attempt of [1, 2, 3]) {
      last().callbacks.onError(networkFailure());
      expect(last().unsubscribed).toBe(true);
      expect(retried).toHaveLength(attempt);
      // Backoff of the attempt: between half and all of 250 ms doubled each time.
      await vi.advanceTimersByTimeAsync(125 * 2 ** (attempt - 1) - 1);
      expect(made).toHaveLength(attempt);
      await vi.advanceTimersByTimeAsync(125 * 2 ** (attempt - 1) + 1);
      expect(made).toHaveLength(attempt + 1);
    }
    last().callbacks.onStarted();
    last().callbacks.onError(networkFailure());
    await vi.advanceTimersByTimeAsync(250);
    expect(made).toHaveLength(5);
    kept.unsubscribe();
    expect(last().unsubscribed).toBe(true);
  });

  it("ends on natter's refusal, telling it, without subscribing again", async () => {
    vi.useFakeTimers();
    const { made, subscribe, last } = fakeSubscriptions();
    const refused: unknown[] = [];
    const retried: unknown[] = [];
    keepSubscribed(subscribe, { onRefused: (error) => refused.push(error), onRetry: (error) => retried.push(error) });
    const error = refusal();
    last().callbacks.onError(error);
    expect(refused).toEqual([error]);
    expect(retried).toEqual([]);
    expect(last().unsubscribed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(made).toHaveLength(1);
  });

  it("leaves no timer and never subscribes again once unsubscribed while waiting", async () => {
    vi.useFakeTimers();
    const { made, subscribe, last } = fakeSubscriptions();
    const kept = keepSubscribed(subscribe);
    last().callbacks.onError(networkFailure());
    expect(vi.getTimerCount()).toBe(1);
    kept.unsubscribe();
    expect(vi.getTimerCount()).toBe(0);
    // A failure told after the end (tRPC tearing the subscription down) schedules nothing either.
    last().callbacks.onError(networkFailure());
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(made).toHaveLength(1);
  });
});
