import { describe, expect, it } from "vitest";
import { highlightsOf } from "./search-highlights.js";
import { parseSearchQuery } from "./search-query.js";

describe("parseSearchQuery", () => {
  it("reads words, phrases, prefixes, exclusions and filters", () => {
    expect(parseSearchQuery('deploy "big data" kube* -legacy -"old plan" from:Alice in:"Dev Team"')).toEqual({
      include: [
        { kind: "words", words: ["deploy"], prefix: false },
        { kind: "words", words: ["big", "data"], prefix: false },
        { kind: "words", words: ["kube"], prefix: true },
      ],
      exclude: [
        { kind: "words", words: ["legacy"], prefix: false },
        { kind: "words", words: ["old", "plan"], prefix: false },
      ],
      authors: ["alice"],
      rooms: ["dev team"],
    });
  });

  it("splits words at punctuation as the indexes do, so `e-mail` is the phrase `e mail`", () => {
    expect(parseSearchQuery("e-mail").include).toEqual([{ kind: "words", words: ["e", "mail"], prefix: false }]);
    expect(parseSearchQuery("a.b.c*").include).toEqual([{ kind: "words", words: ["a", "b", "c"], prefix: true }]);
  });

  it("reads CJK text as substrings, whatever its length", () => {
    expect(parseSearchQuery("数据库 性").include).toEqual([
      { kind: "substring", text: "数据库" },
      { kind: "substring", text: "性" },
    ]);
  });

  it("reads stray syntax, control and direction characters as spaces between words", () => {
    expect(parseSearchQuery('"unclosed phrase').include).toEqual([
      { kind: "words", words: ["unclosed", "phrase"], prefix: false },
    ]);
    expect(parseSearchQuery("a\u0000b \u202ec\u202c").include.map((t) => t.kind === "words" && t.words)).toEqual([
      ["a"],
      ["b"],
      ["c"],
    ]);
    expect(parseSearchQuery("AND OR NOT NEAR").include).toHaveLength(4);
  });

  it("composes decomposed letters, and reads stray combining marks as no word", () => {
    expect(parseSearchQuery("cafe\u0301").include).toEqual([{ kind: "words", words: ["café"], prefix: false }]);
    expect(parseSearchQuery("deploy \u0301 \u0301\u0302*").include).toEqual([
      { kind: "words", words: ["deploy"], prefix: false },
    ]);
    expect(() => parseSearchQuery("\u0301")).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
  });

  it("folds ASCII case only in `from:` (usernames' keys) and `in:` (SQL's lower()); room names in NFKC", () => {
    const query = parseSearchQuery('x from:Alice from:\u212Aate in:"Équipe DEV" in:ＤＥＶ');
    // The Kelvin sign is no K: it names no account rather than `kate`'s.
    expect(query.authors).toEqual(["alice", "\u212Aate"]);
    expect(query.rooms).toEqual(["Équipe dev", "dev"]);
  });

  it("refuses a query with nothing that must match, too many words, or a word too long", () => {
    for (const q of ["", "  ", "-only", "!!! ???", "from:alice", '""', "*"]) {
      expect(() => parseSearchQuery(q), q).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    }
    expect(() => parseSearchQuery("w ".repeat(33))).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    expect(() => parseSearchQuery("w".repeat(101))).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
  });
});

describe("highlightsOf", () => {
  const ranges = (body: string, q: string) =>
    highlightsOf(body, parseSearchQuery(q)).map(([start, end]) => body.slice(start, end));

  it("marks whole words, folded, and prefixes", () => {
    expect(ranges("Café or CAFE, not cafeteria", "cafe")).toEqual(["Café", "CAFE"]);
    expect(ranges("Café or CAFE, not cafeteria", "caf*")).toEqual(["Café", "CAFE", "cafeteria"]);
  });

  it("marks a phrase as one range, and merges overlapping ranges", () => {
    expect(ranges("we ship the big data release", '"big data" data')).toEqual(["big data"]);
  });

  it("marks CJK substrings, and nothing for excluded words", () => {
    expect(ranges("数据库性能很好，数据库", "数据库 -很好")).toEqual(["数据库", "数据库"]);
  });
});
