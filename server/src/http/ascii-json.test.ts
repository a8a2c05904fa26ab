import { describe, expect, it } from "vitest";
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

  it("answers ASCII as it is, and nothing for undefined", () => {
    expect(jsonBody({ ok: true, n: 1 }).toString()).toBe('{"ok":true,"n":1}');
    expect(jsonBody(undefined).length).toBe(0);
  });
});
