import { describe, expect, it } from "vitest";
import { CountedSlots } from "./counted-slots.js";

describe("CountedSlots", () => {
  it("lets each key hold up to its ceiling, and frees a slot on release", async () => {
    const slots = new CountedSlots(2);
    expect([await slots.take("a"), slots.takeNow("a"), await slots.take("a"), slots.takeNow("b")]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    slots.release("a");
    expect(await slots.take("a")).toBe(true);
    expect(await slots.take("a")).toBe(false);
  });
});
