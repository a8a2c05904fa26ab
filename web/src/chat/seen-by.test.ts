import { describe, expect, it } from "vitest";
import { seenByText } from "./seen-by.js";

describe("the seen-by line", () => {
  it("names up to three readers and counts the rest", () => {
    expect(seenByText(["bob"], false)).toBe("Seen by bob");
    expect(seenByText(["bob", "carol", "dan"], false)).toBe("Seen by bob, carol, dan");
    expect(seenByText(["bob", "carol", "dan", "erin", "fay"], false)).toBe("Seen by bob, carol, dan and 2 more");
  });

  it("says its count is a lower bound when only part of the room's receipts were read", () => {
    expect(seenByText(["bob"], true)).toBe("Seen by bob and perhaps more");
    expect(seenByText(["bob", "carol", "dan", "erin"], true)).toBe("Seen by bob, carol, dan and 1+ more");
  });
});
