import { getPathRegExp, normalizePath } from "trpc-to-openapi";
import { describe, expect, it } from "vitest";
import { exactPathPattern } from "./rest-handler.js";

/** Documented paths of each shape natter has: literal, one parameter, parameters between literals. */
const PATHS = [
  "/me/sessions",
  "/rooms/{roomId}",
  "/rooms/{roomId}/members/{userId}",
  "/admin/stats",
  "/uploads/{id}.png",
];

describe("exactPathPattern", () => {
  it("matches what trpc-to-openapi's own matcher matches for the documented path, with the same parameters", () => {
    for (const path of PATHS) {
      const called = path.replace(/\{([^}]+)\}/g, (_, name: string) => `${name}-Value%20x`);
      const theirs = getPathRegExp(normalizePath(path)).exec(called);
      const ours = exactPathPattern(normalizePath(path)).exec(called);
      expect(theirs?.groups ?? {}, path).toEqual(ours?.groups ?? {});
      expect(ours, path).not.toBeNull();
    }
  });

  it("takes a trailing slash and another case as other paths, which trpc-to-openapi's does not", () => {
    for (const path of PATHS) {
      const called = path.replace(/\{([^}]+)\}/g, "x");
      for (const other of [`${called}/`, called.toUpperCase(), `${called}//`, `/${called}`]) {
        expect(exactPathPattern(path).test(other), other).toBe(false);
      }
    }
    expect(getPathRegExp("/admin/stats").test("/Admin/Stats")).toBe(true);
  });

  it("matches a literal dot as a dot, and a parameter as one segment", () => {
    expect(exactPathPattern("/uploads/{id}.png").test("/uploads/abcXpng")).toBe(false);
    expect(exactPathPattern("/rooms/{roomId}").test("/rooms/a/b")).toBe(false);
  });
});
