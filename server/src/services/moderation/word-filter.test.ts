import { NatterError } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { WordFilter } from "./word-filter.js";

const refused = (filter: WordFilter, text: string) => {
  try {
    filter.apply(text);
    return null;
  } catch (error) {
    return error instanceof NatterError ? error.code : "other";
  }
};

describe("WordFilter", () => {
  const filter = new WordFilter([
    { term: "darn", mode: "mask" },
    { term: "Crème brûlée", mode: "mask" },
    { term: "spam", mode: "reject" },
    { term: "buy now", mode: "reject" },
  ]);

  it("masks whole words only, keeping everything around them", () => {
    expect(filter.apply("well, darn it!")).toBe("well, *** it!");
    expect(filter.apply("darning darnation adarn darn_it")).toBe("darning darnation adarn darn_it");
    expect(filter.apply("darn darn")).toBe("*** ***");
  });

  it("ignores case and diacritics on both sides, and masks several words as one", () => {
    expect(filter.apply("DARN, Dárn and dârn")).toBe("***, *** and ***");
    expect(filter.apply("I love creme   BRULEE.")).toBe("I love ***.");
    expect(filter.apply("crème alone")).toBe("crème alone");
  });

  it("rejects with BLOCKED_TERM naming no term, wherever the word is", () => {
    expect(refused(filter, "this is SPAM")).toBe("BLOCKED_TERM");
    expect(refused(filter, "Späm")).toBe("BLOCKED_TERM");
    expect(refused(filter, "please buy, now")).toBe("BLOCKED_TERM");
    expect(refused(filter, "buy it now")).toBeNull();
    expect(refused(filter, "spammer")).toBeNull();
    try {
      filter.apply("spam");
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("spam");
    }
  });

  it("covers look-alike letters of other scripts and fullwidth forms, not ASCII substitutions", () => {
    // Cyrillic а (U+0430) and р (U+0440) in place of Latin a and p.
    expect(refused(filter, "sp\u0430m")).toBe("BLOCKED_TERM");
    expect(refused(filter, "s\u0440am")).toBe("BLOCKED_TERM");
    // Fullwidth ｓｐａｍ folds to ASCII under NFKD.
    expect(refused(filter, "\uff53\uff50\uff41\uff4d")).toBe("BLOCKED_TERM");
    // Greek ο (U+03BF) for o... not in this list; a masked term with a Cyrillic letter:
    expect(filter.apply("d\u0430rn")).toBe("***");
    // Not covered: digits and letter pairs standing for letters.
    expect(refused(filter, "sp4m")).toBeNull();
    expect(refused(filter, "spain")).toBeNull();
    expect(filter.apply("dam")).toBe("dam");
  });

  it("does nothing with no terms, and is whole-word for CJK runs as for any word", () => {
    const empty = new WordFilter([]);
    expect(empty.apply("spam")).toBe("spam");
    const cjk = new WordFilter([{ term: "禁止", mode: "mask" }]);
    expect(cjk.apply("禁止 です")).toBe("*** です");
  });

  it("masks with *** unless that would take the text past its limit, then never lengthens it", () => {
    const short = new WordFilter([{ term: "zq", mode: "mask" }]);
    expect(short.apply("zq zq", 11)).toBe("*** ***");
    expect(short.apply("zq zq", 7)).toBe("*** ***");
    expect(short.apply("zq zq", 6)).toBe("** **");
    expect(short.apply("zq darn zq", 10)).toBe("** darn **");
    expect(filter.apply("darn it", 7)).toBe("*** it");
  });
});
