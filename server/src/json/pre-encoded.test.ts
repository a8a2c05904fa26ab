import { describe, expect, it } from "vitest";
import { preEncodedToken, stringifyWithPreEncoded } from "./pre-encoded.js";

/** An object whose `list` holds its JSON text already, as a history page's messages hold their reactions. */
function holding(list: unknown[], text = JSON.stringify(list)) {
  return {
    before: "a",
    get list() {
      return (preEncodedToken(() => text) as unknown) ?? list;
    },
    after: "z",
  };
}

// The contract stepped around: `JSON.stringify` of the same value with the texts parsed in place.
describe("stringifyWithPreEncoded writes what JSON.stringify would, pre-encoded texts as they are", () => {
  it("writes each text in its place, in order, nested and repeated", () => {
    const shared = holding([{ emoji: "👍", count: 2, me: true }], '[{"emoji":"\\ud83d\\udc4d","count":2,"me":true}]');
    const value = { page: [holding([1, 2]), shared, { deeper: [holding([]), shared] }], n: 1 };
    const text = stringifyWithPreEncoded(value) as string;
    expect(text).toContain('"list":[{"emoji":"\\ud83d\\udc4d","count":2,"me":true}]');
    expect(JSON.parse(text)).toStrictEqual(JSON.parse(JSON.stringify(value)));
  });

  it("leaves alone text that looks like a placeholder, and answers plain values as JSON.stringify does", () => {
    const value = { body: "\u00000-0-0:0", del: "\u007f0-0-0:0\u007f", other: '"\\u0000', list: holding([3]) };
    expect(JSON.parse(stringifyWithPreEncoded(value) as string)).toStrictEqual(JSON.parse(JSON.stringify(value)));
    for (const plain of [{ a: [1, "é"] }, "text", 1, null, undefined]) {
      expect(stringifyWithPreEncoded(plain)).toBe(JSON.stringify(plain));
    }
  });

  it("hands values out as they are outside it, even after a throw inside", () => {
    const value = holding([{ x: 1 }]);
    expect(value.list).toStrictEqual([{ x: 1 }]);
    expect(() => stringifyWithPreEncoded({ value, big: 1n })).toThrow();
    expect(value.list).toStrictEqual([{ x: 1 }]);
    expect(JSON.stringify(value)).toBe('{"before":"a","list":[{"x":1}],"after":"z"}');
  });
});
