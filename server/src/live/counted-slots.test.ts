import { describe, expect, it } from "vitest";
import { CountedSlots } from "./counted-slots.js";

describe("CountedSlots", () => {
  it("lets each key hold up to its ceiling, and frees a slot on release", () => {
    const slots = new CountedSlots(2);
    expect([slots.take("a"), slots.take("a"), slots.take("a"), slots.take("b")]).toEqual([true, true, false, true]);
    slots.release("a");
    expect(slots.take("a")).toBe(true);
    expect(slots.take("a")).toBe(false);
  });
});
