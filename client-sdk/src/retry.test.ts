import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { isNatterError, isNetworkFailure } from "./errors.js";
import { backoffDelay, withRetry } from "./retry.js";

/** What the HTTP link throws when the connection fails: no answer from natter. */
const networkFailure = () => TRPCClientError.from(new TypeError("fetch failed"));
/** What the HTTP link throws for natter's answer `{code}`. */
const natterError = (code: string, httpStatus: number) =>
  TRPCClientError.from({
    error: { message: code, code: -32600, data: { code: "BAD_REQUEST", httpStatus, error: { code, message: code } } },
  });

/** natter's refusal for rate, asking to wait `seconds`. */
const rateLimited = (seconds: number) =>
  TRPCClientError.from({
    error: {
      message: "slow down",
      code: -32029,
      data: {
        code: "TOO_MANY_REQUESTS",
        httpStatus: 429,
        error: { code: "RATE_LIMITED", message: "slow down", retryAfterSeconds: seconds },
      },
    },
  });

describe("withRetry", () => {
  it("retries a refusal for rate only when told to, after the wait it names, and not a wait over a minute", async () => {
    const calls: number[] = [];
    const failingOnce = (seconds: number) => async () => {
      calls.push(Date.now());
      if (calls.length === 1) throw rateLimited(seconds);
      return "sent";
    };
    await expect(withRetry(failingOnce(0.05))).rejects.toMatchObject({ data: { error: { code: "RATE_LIMITED" } } });
    calls.length = 0;
    expect(await withRetry(failingOnce(0.05), {}, { refusedForNow: true })).toBe("sent");
    expect((calls[1] ?? 0) - (calls[0] ?? 0)).toBeGreaterThanOrEqual(45);
    calls.length = 0;
    await expect(withRetry(failingOnce(61), {}, { refusedForNow: true })).rejects.toMatchObject({
      data: { error: { code: "RATE_LIMITED" } },
    });
  });

  it("retries an outage (503 UNAVAILABLE) as it retries a refusal for rate, after the wait it names", async () => {
    const outage = TRPCClientError.from({
      error: {
        message: "database down",
        code: -32603,
        data: {
          code: "SERVICE_UNAVAILABLE",
          httpStatus: 503,
          error: { code: "UNAVAILABLE", message: "database down", retryAfterSeconds: 0.05 },
        },
      },
    });
    let calls = 0;
    const call = async () => {
      calls += 1;
      if (calls === 1) throw outage;
      return "sent";
    };
    await expect(withRetry(call)).rejects.toBe(outage);
    calls = 0;
    expect(await withRetry(call, {}, { refusedForNow: true })).toBe("sent");
    expect(calls).toBe(2);
  });

  it("retries network failures until the call succeeds", async () => {
    const failures = [networkFailure(), networkFailure()];
    const retries: number[] = [];
    const result = await withRetry(
      async () => {
        const failure = failures.shift();
        if (failure) throw failure;
        return "sent";
      },
      { onRetry: ({ attempt }) => retries.push(attempt) },
    );
    expect(result).toBe("sent");
    expect(retries).toEqual([1, 2]);
  });

  it("never retries natter's answers", async () => {
    let calls = 0;
    const refused = natterError("FORBIDDEN", 403);
    expect(isNatterError(refused, "FORBIDDEN")).toBe(true);
    await expect(
      withRetry(async () => {
        calls += 1;
        throw refused;
      }),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it("gives up after maxAttempts with the last failure", async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls += 1;
        throw networkFailure();
      },
      { maxAttempts: 3 },
    ).catch((err: unknown) => err);
    expect(isNetworkFailure(error)).toBe(true);
    expect(calls).toBe(3);
  });

  it("stops retrying once the caller aborts", async () => {
    const stop = new AbortController();
    let calls = 0;
    const outcome = withRetry(
      async () => {
        calls += 1;
        stop.abort(new Error("gave up"));
        throw networkFailure();
      },
      { signal: stop.signal },
    );
    await expect(outcome).rejects.toSatisfy(isNetworkFailure);
    expect(calls).toBe(1);
  });

  it("backs off exponentially with jitter, capped", () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const step = Math.min(5_000, 250 * 2 ** (attempt - 1));
      const delay = backoffDelay(attempt);
      expect(delay).toBeGreaterThanOrEqual(step / 2);
      expect(delay).toBeLessThanOrEqual(step);
    }
  });
});
