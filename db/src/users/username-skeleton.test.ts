import { describe, expect, it } from "vitest";
import { usernameSkeleton } from "./username-skeleton.js";

describe("usernameSkeleton", () => {
  it("is one for usernames that look alike, in any case", () => {
    const same = (a: string, b: string) => expect(usernameSkeleton(a)).toBe(usernameSkeleton(b));
    same("admin", "adrnin");
    same("alice", "a1ice");
    same("alice", "aIice");
    same("bob", "b0b");
    same("BOB", "b0b");
    same("carol", "caro1");
    same("Ian", "lan");
    // Case and looks together: ADMlN looks like ADMIN, which is admin.
    same("admin", "ADMlN");
    same("admin", "admln");
  });

  it("tells apart usernames that do not", () => {
    const differ = (a: string, b: string) => expect(usernameSkeleton(a)).not.toBe(usernameSkeleton(b));
    differ("admin", "admit");
    differ("kate", "cate");
    differ("bob", "rob");
    differ("x.y", "x_y");
  });
});
