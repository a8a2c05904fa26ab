import { describe, expect, it } from "vitest";
import { asciiEscaped } from "../json/ascii-escape.js";
import { preEncodedToken, stringifyWithPreEncoded } from "../json/pre-encoded.js";
import { jsonBody } from "./ascii-json.js";

const isAscii = (body: Buffer) => body.every((byte) => byte < 0x80);

describe("jsonBody", () => {
  it("escapes a few emoji and accents as \\uXXXX, and the text parses to the same value", () => {
    const value = {
      body: "a long enough message in ASCII, as most are, ".repeat(4),
      reactions: [{ emoji: "👍" }, { emoji: "❤️" }, { emoji: "✅" }, { emoji: ":tada:" }],
      name: "Zoë",
      lone: "\ud800",
      separators: "\u2028\u2029",
    };
    const body = jsonBody(value);
    expect(isAscii(body)).toBe(true);
    expect(body.toString("latin1")).toContain('"emoji":"\\ud83d\\udc4d"');
    expect(JSON.parse(body.toString("utf8"))).toEqual(value);
  });

  it("sends text mostly outside ASCII as UTF-8, unescaped", () => {
    const value = { body: "Привет, как дела? Всё хорошо, спасибо! 你好" };
    const body = jsonBody(value);
    expect(body.toString("utf8")).toBe(JSON.stringify(value));
    expect(JSON.parse(body.toString("utf8"))).toEqual(value);
  });

  // Pre-encoded texts are ASCII and go in after the answer's UTF-8 is measured: the same bytes as
  // measuring the whole text would give, whichever way the text around them is sent.
  it("sends values holding pre-encoded ASCII texts as their whole text measured would be sent", () => {
    const text = '[{"emoji":"\\ud83d\\udc4d","count":2,"me":true}]';
    const holding = (body: string) => ({
      body,
      get reactions() {
        return (preEncodedToken(() => text) as unknown) ?? JSON.parse(text);
      },
    });
    const measuredWhole = (json: string) => {
      const bytes = Buffer.byteLength(json);
      if (bytes === json.length) return Buffer.from(json, "latin1");
      return (bytes - json.length) * 16 > json.length ? Buffer.from(json) : Buffer.from(asciiEscaped(json), "latin1");
    };
    for (const body of ["plain ASCII", `Zoë ${"in ASCII mostly, ".repeat(4)}`, "Привет, как дела? Всё хорошо! 你好"]) {
      const page = { messages: [holding(body), holding("x")], hasMore: false };
      const sent = jsonBody(page);
      expect(sent).toStrictEqual(measuredWhole(stringifyWithPreEncoded(page) as string));
      expect(JSON.parse(sent.toString("utf8"))).toStrictEqual(JSON.parse(JSON.stringify(page)));
    }
  });

  it("answers ASCII as it is, and nothing for undefined", () => {
    expect(jsonBody({ ok: true, n: 1 }).toString()).toBe('{"ok":true,"n":1}');
    expect(jsonBody(undefined).length).toBe(0);
  });
});
