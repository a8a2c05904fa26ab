import { describe, expect, it } from "vitest";
import { uuidV7 } from "./uuid-v7.js";

describe("uuidV7", () => {
  it("is a version 7, variant 1 UUID carrying its millisecond", () => {
    const now = Date.parse("2026-05-01T10:20:30.456Z");
    const id = uuidV7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(now);
  });

  it("sorts ids of one millisecond in the order they were made", () => {
    const now = Date.now();
    const ids = Array.from({ length: 1000 }, () => uuidV7(now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("sorts by time across milliseconds", () => {
    const later = uuidV7(2_000_000_000_000);
    const earlier = uuidV7(1_000_000_000_000);
    expect(earlier < later).toBe(true);
  });
});
