import { describe, expect, it } from "vitest";
import { highlightParts } from "./highlight-parts.js";

describe("highlightParts", () => {
  it("cuts a body into plain and matched stretches", () => {
    expect(highlightParts("we ship <b>today</b>", [[3, 7]])).toEqual([
      { text: "we ", matched: false },
      { text: "ship", matched: true },
      { text: " <b>today</b>", matched: false },
    ]);
  });

  it("clips ranges that overlap, run backwards or past the end", () => {
    expect(
      highlightParts("abcdef", [
        [0, 2],
        [1, 3],
        [5, 2],
        [4, 99],
      ]),
    ).toEqual([
      { text: "ab", matched: true },
      { text: "c", matched: true },
      { text: "d", matched: false },
      { text: "ef", matched: true },
    ]);
  });
});
