import { describe, expect, it } from "vitest";
import { nulCharacterPaths } from "./nul-characters.js";

describe("nulCharacterPaths", () => {
  it("names every string holding NUL, however nested", () => {
    expect(
      nulCharacterPaths({ q: "a\u0000", ok: "fine", list: ["x", "\u0000"], deep: { name: "b\u0000c", n: 1 } }),
    ).toEqual(["q", "list.1", "deep.name"]);
  });

  it("names the input itself when it is such a string, and nothing in clean input", () => {
    expect(nulCharacterPaths("\u0000")).toEqual([""]);
    expect(nulCharacterPaths({ a: "\u2400", b: null, c: [1, true] })).toEqual([]);
    expect(nulCharacterPaths(undefined)).toEqual([]);
  });
});
