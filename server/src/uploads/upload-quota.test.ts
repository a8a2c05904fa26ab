import { NatterError } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { InProcessRateLimitStore } from "../rate-limit/in-process-rate-limit-store.js";
import { UploadQuota } from "./upload-quota.js";

const policy = { bytesPerWindow: 1000, windowSeconds: 3600 };

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
    await nodeA.take("alice", 600, 0);
    expect(await refusal(nodeB.take("alice", 401, 1000))).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: 3599 });
    await nodeB.take("alice", 400, 1000);
    await nodeB.take("bob", 1000, 1000);
    expect(await refusal(nodeA.take("alice", 1, 2000))).toMatchObject({ code: "RATE_LIMITED" });
    await nodeA.take("alice", 1000, 3600_000);
  });

  it("never lets concurrent chunks of one account overshoot the allowance", async () => {
    const quota = new UploadQuota({ store: new InProcessRateLimitStore(), ...policy });
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => refusal(quota.take("alice", 64, 0))));
    expect(outcomes.filter((outcome) => outcome === undefined)).toHaveLength(Math.floor(1000 / 64));
  });
});
