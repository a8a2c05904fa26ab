import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateSessionToken, hashSessionToken } from "./session-token.js";

describe("hashSessionToken", () => {
  it("is the hex SHA-256 of the token, as stored sessions, tickets and API keys are looked up by", () => {
    for (const token of [generateSessionToken(), "nat_short", "ntr_é👋", ""]) {
      expect(hashSessionToken(token)).toBe(createHash("sha256").update(token).digest("hex"));
    }
  });
});
