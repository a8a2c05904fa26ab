import { describe, expect, it } from "vitest";
import { InProcessRateLimitStore } from "./in-process-rate-limit-store.js";

const rule = { limit: 3, windowMs: 1000 };

describe("InProcessRateLimitStore", () => {
  it("allows `limit` hits per window, counts no refused hit, and opens a new window once it ends", async () => {
    const store = new InProcessRateLimitStore();
    const decisions = [];
    for (let i = 0; i < 5; i += 1) decisions.push(await store.hit("k", rule, 100));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
    expect(decisions.map((d) => d.count)).toEqual([1, 2, 3, 3, 3]);
    expect(decisions.every((d) => d.resetAt === 1100)).toBe(true);
    expect(await store.hit("other", rule, 100)).toMatchObject({ allowed: true, count: 1 });
    expect(await store.hit("k", rule, 1099)).toMatchObject({ allowed: false });
    expect(await store.hit("k", rule, 1100)).toEqual({ allowed: true, count: 1, resetAt: 2100 });
  });

  it("allows at most `limit` of many hits started at once", async () => {
    const store = new InProcessRateLimitStore();
    const decisions = await Promise.all(Array.from({ length: 50 }, () => store.hit("k", rule, 0)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
  });

  it("counts weighted hits while they fit, and refuses one that would pass the limit without counting it", async () => {
    const store = new InProcessRateLimitStore();
    const bytes = { limit: 100, windowMs: 1000 };
    expect(await store.hit("k", bytes, 0, 60)).toEqual({ allowed: true, count: 60, resetAt: 1000 });
    expect(await store.hit("k", bytes, 0, 41)).toEqual({ allowed: false, count: 60, resetAt: 1000 });
    expect(await store.hit("k", bytes, 0, 40)).toEqual({ allowed: true, count: 100, resetAt: 1000 });
    expect(await store.hit("k", bytes, 0)).toMatchObject({ allowed: false });
    const racing = await Promise.all(Array.from({ length: 50 }, () => store.hit("r", bytes, 0, 30)));
    expect(racing.filter((d) => d.allowed)).toHaveLength(3);
  });

  it("forgets a key on reset", async () => {
    const store = new InProcessRateLimitStore();
    for (let i = 0; i < 3; i += 1) await store.hit("k", rule, 0);
    await store.reset("k");
    expect(await store.hit("k", rule, 0)).toMatchObject({ allowed: true, count: 1 });
  });

  it("when full, never forgets an open window: it refuses new keys until windows end", async () => {
    const store = new InProcessRateLimitStore({ maxKeys: 100 });
    for (let i = 0; i < 3; i += 1) await store.hit("target", rule, 0);
    for (let i = 0; i < 1000; i += 1) await store.hit(`spray-${i}`, rule, 10);
    expect(await store.hit("target", rule, 20)).toMatchObject({ allowed: false, count: 3 });
    expect(await store.hit("newcomer", rule, 20)).toMatchObject({ allowed: false, resetAt: 1000 });
    expect(await store.hit("newcomer", rule, 1010)).toMatchObject({ allowed: true, count: 1 });
  });

  it("when full, finds ended windows hidden behind a longer open one", async () => {
    const store = new InProcessRateLimitStore({ maxKeys: 10 });
    await store.hit("long", { limit: 1, windowMs: 60_000 }, 0);
    for (let i = 0; i < 9; i += 1) await store.hit(`short-${i}`, rule, 0);
    expect(await store.hit("newcomer", rule, 500)).toMatchObject({ allowed: false });
    expect(await store.hit("newcomer", rule, 2000)).toMatchObject({ allowed: true });
  });
});
