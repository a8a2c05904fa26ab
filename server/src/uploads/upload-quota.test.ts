import { NatterError } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { InProcessRateLimitStore } from "../rate-limit/in-process-rate-limit-store.js";
import { UploadQuota } from "./upload-quota.js";

const policy = { bytesPerWindow: 1000, bytesPerWindowPerAddress: 1_000_000, windowSeconds: 3600 };

async function refusal(taking: Promise<void>): Promise<unknown> {
  try {
    await taking;
    return undefined;
  } catch (error) {
    return error instanceof NatterError ? { code: error.code, ...error.details } : error;
  }
}

describe("UploadQuota", () => {
  it("is one allowance per account for every quota counting in the same store (nodes sharing a store)", async () => {
    const store = new InProcessRateLimitStore();
    const nodeA = new UploadQuota({ store, ...policy });
    const nodeB = new UploadQuota({ store, ...policy });
    await nodeA.take("alice", "alice-address", 600, 0);
    expect(await refusal(nodeB.take("alice", "alice-address", 401, 1000))).toEqual({
      code: "RATE_LIMITED",
      retryAfterSeconds: 3599,
    });
    await nodeB.take("alice", "alice-address", 400, 1000);
    await nodeB.take("bob", "bob-address", 1000, 1000);
    expect(await refusal(nodeA.take("alice", "alice-address", 1, 2000))).toMatchObject({ code: "RATE_LIMITED" });
    await nodeA.take("alice", "alice-address", 1000, 3600_000);
  });

  it("never lets concurrent chunks of one account overshoot the allowance", async () => {
    const quota = new UploadQuota({ store: new InProcessRateLimitStore(), ...policy });
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => refusal(quota.take("alice", "alice-address", 64, 0))),
    );
    expect(outcomes.filter((outcome) => outcome === undefined)).toHaveLength(Math.floor(1000 / 64));
  });

  it("holds an address to its own allowance whichever accounts send the bytes", async () => {
    const quota = new UploadQuota({ store: new InProcessRateLimitStore(), ...policy, bytesPerWindowPerAddress: 1500 });
    await quota.take("alice", "10.0.0.1", 1000, 0);
    expect(await refusal(quota.take("bob", "10.0.0.1", 501, 0))).toEqual({
      code: "RATE_LIMITED",
      retryAfterSeconds: 3600,
    });
    await quota.take("carol", "10.0.0.1", 500, 0);
    await quota.take("dave", "10.0.0.2", 1000, 0);
  });
});
