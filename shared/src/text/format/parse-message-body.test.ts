import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FormatNode } from "./format-tree.js";
import { mentionsIn, mentionsOfTree } from "./mentions-in.js";
import { parseMessageBody, toSource } from "./parse-message-body.js";

/** Text built from the characters the grammar cares about, so that properties meet every construct. */
const markupText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "*",
        "**",
        "_",
        "~",
        "`",
        "```",
        "\n",
        "@",
        "@room",
        "@bob",
        "http://",
        "https://a.b/c",
        ")",
        "(",
        " ",
        ".",
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(""));

function links(nodes: readonly FormatNode[]): string[] {
  return nodes.flatMap((node) => (node.type === "link" ? [node.url] : "children" in node ? links(node.children) : []));
}

describe("parseMessageBody", () => {
  it("never throws and gives back the body it read (any text, markup-heavy text)", () => {
    for (const text of [fc.string({ unit: "grapheme", maxLength: 200 }), markupText]) {
      fc.assert(
        fc.property(text, (body) => toSource(parseMessageBody(body)) === body),
        { numRuns: 2000 },
      );
    }
  });

  it("reads text without markup characters as one text node", () => {
    const plain = fc.string({ maxLength: 200 }).filter((body) => body !== "" && !/[*_~`@\nh]/.test(body));
    fc.assert(
      fc.property(plain, (body) => {
        expect(parseMessageBody(body)).toEqual([{ type: "text", text: body }]);
      }),
    );
  });

  it("links only http(s) URLs", () => {
    fc.assert(
      fc.property(markupText, (body) => links(parseMessageBody(body)).every((url) => /^https?:\/\/./.test(url))),
    );
  });

  it("reads each construct of the grammar", () => {
    expect(parseMessageBody("*a* **b** _c_ ~d~ `e`")).toEqual([
      { type: "bold", marker: "*", children: [{ type: "text", text: "a" }] },
      { type: "text", text: " " },
      { type: "bold", marker: "**", children: [{ type: "text", text: "b" }] },
      { type: "text", text: " " },
      { type: "italic", marker: "_", children: [{ type: "text", text: "c" }] },
      { type: "text", text: " " },
      { type: "strike", marker: "~", children: [{ type: "text", text: "d" }] },
      { type: "text", text: " " },
      { type: "code", text: "e" },
    ]);
    expect(parseMessageBody("see\n```ts\nconst *a* = 1;\n```\nok")).toEqual([
      { type: "text", text: "see" },
      { type: "break" },
      { type: "codeBlock", language: "ts", text: "const *a* = 1;" },
      { type: "break" },
      { type: "text", text: "ok" },
    ]);
    expect(parseMessageBody("go to https://example.com/a_(b)). Now")).toEqual([
      { type: "text", text: "go to " },
      { type: "link", url: "https://example.com/a_(b)" },
      { type: "text", text: "). Now" },
    ]);
    expect(parseMessageBody("hi @Alice.B, and @room!")).toEqual([
      { type: "text", text: "hi " },
      { type: "mention", username: "Alice.B" },
      { type: "text", text: ", and " },
      { type: "roomMention", text: "@room" },
      { type: "text", text: "!" },
    ]);
  });

  it("leaves hostile or half-written markup as text", () => {
    for (const body of [
      "[x](javascript:alert(1))",
      "<img src=x onerror=alert(1)>",
      "javascript:alert(1)",
      "snake_case_name and 2*3*4",
      "* not bold *",
      "mail me at bob@example.com",
      "@ab",
    ]) {
      expect(parseMessageBody(body)).toEqual([{ type: "text", text: body }]);
    }
    expect(parseMessageBody("```never closed\ncode")).toEqual([
      { type: "text", text: "```never closed" },
      { type: "break" },
      { type: "text", text: "code" },
    ]);
  });
});

describe("mentionsIn", () => {
  it("finds usernames once each, lower-cased, and @room, but not inside code or links", () => {
    expect(mentionsIn("@Bob and @bob, (@carol) `@dave` https://x.org/@erin *@frank*")).toEqual({
      usernames: ["bob", "carol", "frank"],
      room: false,
    });
    expect(mentionsIn("@ROOM please")).toEqual({ usernames: [], room: true });
  });

  it("finds what the whole tree holds, also where it skips the parse (an @ after a letter, digit or .+-@)", () => {
    const around = fc.constantFrom("a", "Z", "7", "_", ".", "+", "-", "@", "é", "*", "~", "`", "\n", " ");
    const mentionish = fc
      .array(
        fc.oneof(
          markupText,
          fc.tuple(around, fc.constantFrom("@bob", "@room", "@")).map((p) => p.join("")),
        ),
        {
          maxLength: 8,
        },
      )
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(mentionish, (body) => {
        expect(mentionsIn(body)).toEqual(mentionsOfTree(parseMessageBody(body)));
      }),
      { numRuns: 3000 },
    );
    expect(mentionsIn("_@bob_ and x@carol")).toEqual({ usernames: ["bob"], room: false });
  });

  it("stops at the per-message limit", () => {
    const body = Array.from({ length: 80 }, (_, i) => `@user${i}`).join(" ");
    expect(mentionsIn(body).usernames).toHaveLength(50);
  });
});
