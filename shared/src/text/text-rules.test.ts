import { describe, expect, it } from "vitest";
import { updateProfileInputSchema } from "../schemas/profile.js";
import { roomNameSchema } from "../schemas/room.js";
import { findRefusedCharacter, isBlankName } from "./text-rules.js";

describe("findRefusedCharacter", () => {
  it("lets ordinary text of any script through, emoji sequences included", () => {
    for (const text of ["general", "Équipe café", "日本語のチャンネル", "שלום עולם", "👨‍👩‍👧 family", "می‌خواهم"]) {
      expect(findRefusedCharacter(text, "name")).toBeUndefined();
      expect(findRefusedCharacter(text, "body")).toBeUndefined();
    }
  });

  it("refuses control characters, allowing newline and tab in message bodies only", () => {
    expect(findRefusedCharacter("a\u0000b", "body")).toBe(
      "must not contain a control character (U+0000 at position 1)",
    );
    expect(findRefusedCharacter("a\u0085b", "body")).toMatch(/control character \(U\+0085/);
    expect(findRefusedCharacter("a\u007fb", "name")).toMatch(/control character/);
    expect(findRefusedCharacter("line one\nline\ttwo", "body")).toBeUndefined();
    expect(findRefusedCharacter("line one\nline two", "name")).toMatch(/U\+000A/);
    expect(findRefusedCharacter("a\rb", "body")).toMatch(/U\+000D/);
  });

  it("refuses bidirectional overrides, embeddings and isolates everywhere", () => {
    for (const codePoint of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      const text = `invoice${String.fromCodePoint(codePoint)}fdp.exe`;
      expect(findRefusedCharacter(text, "name")).toMatch(/bidirectional/);
      expect(findRefusedCharacter(text, "body")).toMatch(/bidirectional/);
    }
  });

  it("refuses invisible marks in names but lets message bodies use direction marks", () => {
    for (const mark of ["\u200e", "\u200f", "\u061c", "\u200b", "\u2060", "\ufeff"]) {
      expect(findRefusedCharacter(`gen${mark}eral`, "name")).toMatch(/invisible/);
    }
    expect(findRefusedCharacter("price: \u200f100 ₪", "body")).toBeUndefined();
  });

  it("refuses line separators and unpaired surrogates", () => {
    expect(findRefusedCharacter("a\u2028b", "body")).toMatch(/separator/);
    expect(findRefusedCharacter("a\ud800b", "body")).toMatch(/unpaired surrogate \(U\+D800 at position 1\)/);
    expect(findRefusedCharacter("\ud83d\ude00", "name")).toBeUndefined();
  });

  it("lets through, without reading it character by character, only what that reading lets through", () => {
    const disagreements: string[] = [];
    for (const kind of ["name", "body"] as const) {
      for (let unit = 0; unit <= 0xffff; unit++) {
        const text = String.fromCharCode(unit);
        // A NUL after it makes the whole text be read a character at a time.
        const read = findRefusedCharacter(`${text}\u0000`, kind) as string;
        const refused = !read.endsWith("(U+0000 at position 1)");
        if ((findRefusedCharacter(text, kind) !== undefined) !== refused) disagreements.push(`${kind} U+${unit}`);
      }
    }
    expect(disagreements).toEqual([]);
  });
});

describe("the rule for names", () => {
  it("refuses blank-looking and invisible characters (Hangul fillers, braille blank, soft hyphen)", () => {
    expect(findRefusedCharacter("\u3164", "name")).toBe(
      "must not contain an invisible formatting character (U+3164 at position 0)",
    );
    expect(findRefusedCharacter("\u2800", "name")).toBe(
      "must not contain a blank-looking character (U+2800 at position 0)",
    );
    for (const invisible of ["\uffa0", "\u115f", "\u1160", "\u00ad", "\u034f", "\u180e"]) {
      expect(findRefusedCharacter(`ad${invisible}min`, "name")).toMatch(/invisible/);
    }
    // Message bodies keep what they were written with.
    expect(findRefusedCharacter("\u3164 \u2800", "body")).toBeUndefined();
  });

  it("keeps the joiners, variation selectors and tags that emoji and scripts need", () => {
    for (const text of ["👨‍👩‍👧", "می‌خواهم", "❤️", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"]) expect(findRefusedCharacter(text, "name")).toBeUndefined();
  });

  it("calls a name of only spaces and combining marks blank", () => {
    expect(isBlankName(" \u0301\u3000")).toBe(true);
    expect(isBlankName("é")).toBe(false);
    expect(roomNameSchema.safeParse("\u0301\u0302").error?.issues[0]?.message).toBe("must not be blank");
  });

  it("normalises names to NFKC before checking and trimming them", () => {
    expect(roomNameSchema.parse("ｇｅｎｅｒａｌ\u3000")).toBe("general");
    expect(updateProfileInputSchema.parse({ displayName: "\u212Aelvin ﬁsh" })).toEqual({ displayName: "Kelvin fish" });
    expect(updateProfileInputSchema.safeParse({ displayName: "\u3164" }).success).toBe(false);
    expect(updateProfileInputSchema.safeParse({ displayName: "\u2800\u2800" }).success).toBe(false);
  });
});
