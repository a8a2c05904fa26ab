import { describe, expect, it } from "vitest";
import type { AuthSession } from "./auth-session.js";
import { SessionCache } from "./session-cache.js";
import { InProcessSessionRevocations } from "./session-revocations.js";

const session = (sessionId: string): AuthSession => ({
  sessionId,
  userId: `user-${sessionId}`,
  username: "alice",
  isAdmin: false,
  expiresAt: 10_000_000,
});

describe("SessionCache", () => {
  it("serves a caller until its revocation on the bus, its bound or the TTL, whichever comes first", async () => {
    const revocations = new InProcessSessionRevocations();
    const cache = new SessionCache(revocations, { maxEntries: 10, ttlMs: 1_000 });
    cache.fill("hash-a", session("a"), 0, 500, cache.generation());
    cache.fill("hash-b", session("b"), 0, 5_000, cache.generation());
    expect(cache.get("hash-a", 499)?.sessionId).toBe("a");
    expect(cache.get("hash-a", 500)).toBeUndefined();
    expect(cache.get("hash-b", 999)?.sessionId).toBe("b");
    expect(cache.get("hash-b", 1_000)).toBeUndefined();
    cache.fill("hash-b", session("b"), 2_000, 5_000, cache.generation());
    await revocations.publish(["b"]);
    expect(cache.get("hash-b", 2_001)).toBeUndefined();
    cache.close();
  });

  it("is not filled by a lookup that a revocation overtook", async () => {
    const revocations = new InProcessSessionRevocations();
    const cache = new SessionCache(revocations, { maxEntries: 10, ttlMs: 1_000 });
    const generation = cache.generation();
    await revocations.publish(["a"]);
    cache.fill("hash-a", session("a"), 0, 900, generation);
    expect(cache.get("hash-a", 1)).toBeUndefined();
    cache.close();
  });

  it("holds at most maxEntries, dropping the oldest", () => {
    const cache = new SessionCache(new InProcessSessionRevocations(), { maxEntries: 2, ttlMs: 1_000 });
    for (const id of ["a", "b", "c"]) cache.fill(`hash-${id}`, session(id), 0, 900, cache.generation());
    expect(cache.get("hash-a", 1)).toBeUndefined();
    expect(cache.get("hash-b", 1)?.sessionId).toBe("b");
    expect(cache.get("hash-c", 1)?.sessionId).toBe("c");
    cache.close();
  });
});
