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

  it("steps the 74 random bits by 1 to 2^32 within a millisecond, carrying across its 32-bit parts", () => {
    const now = Date.now() + 1000;
    // The random part of an id: its 12 bits after the version, then 62 after the variant.
    const randomOf = (id: string) => {
      const hex = id.replace(/-/g, "");
      return (BigInt(`0x${hex.slice(13, 16)}`) << 62n) | (BigInt(`0x${hex.slice(16)}`) & ((1n << 62n) - 1n));
    };
    let previous = randomOf(uuidV7(now));
    let carries = 0;
    for (let i = 0; i < 2000; i++) {
      const random = randomOf(uuidV7(now));
      const step = random - previous;
      expect(step >= 1n && step <= 1n << 32n).toBe(true);
      if (random >> 32n !== previous >> 32n) carries++;
      previous = random;
    }
    // A step averages 2^31: about every other one carries out of the low 32 bits.
    expect(carries).toBeGreaterThan(500);
  });

  it("sorts by time across milliseconds", () => {
    const later = uuidV7(2_000_000_000_000);
    const earlier = uuidV7(1_000_000_000_000);
    expect(earlier < later).toBe(true);
  });
});
