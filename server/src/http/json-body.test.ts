import { describe, expect, it } from "vitest";
import { nestingExceeds } from "./json-body.js";

describe("nestingExceeds", () => {
  it("counts arrays and objects, not brackets inside strings", () => {
    expect(nestingExceeds('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(nestingExceeds('{"a":[{"b":[]}]}', 3)).toBe(true);
    expect(nestingExceeds(JSON.stringify({ text: "[[[[[[[[{{{{{{" }), 1)).toBe(false);
    expect(nestingExceeds(JSON.stringify({ text: 'quote \\" then [[[[' }), 1)).toBe(false);
    expect(nestingExceeds("[".repeat(100_000), 32)).toBe(true);
  });
});
