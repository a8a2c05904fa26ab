import { describe, expect, it } from "vitest";
import { DUMMY_HASH, PasswordHasher } from "./password-hasher.js";

describe("PasswordHasher", () => {
  const hasher = new PasswordHasher();

  it("checks a password against its own hash only", async () => {
    const stored = await hasher.hash("correct horse battery");
    expect(await hasher.verify(stored, "correct horse battery")).toBe(true);
    expect(await hasher.verify(stored, "correct horse battery!")).toBe(false);
    expect(await hasher.verify("not a hash", "correct horse battery")).toBe(false);
  });

  it("spends an unknown user's check on a hash made with the current policy", async () => {
    // Same parameters as a stored hash, so a missing user costs what a wrong password costs.
    expect(hasher.needsRehash(DUMMY_HASH)).toBe(false);
    expect(hasher.needsRehash(await hasher.hash("any"))).toBe(false);
    expect(await hasher.verifyNothing("whatever was tried")).toBe(false);
  });
});
