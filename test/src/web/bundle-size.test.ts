import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const ASSETS_DIR = fileURLToPath(new URL("../../../web/dist/assets/", import.meta.url));
/** The budget for all the JavaScript the app ships, SDK and tRPC client included. */
const SCRIPT_BUDGET_BYTES = 80 * 1024;

describe("the web app's bundle", () => {
  it("ships at most 80 KB of JavaScript, gzipped", () => {
    const scripts = readdirSync(ASSETS_DIR).filter((name) => name.endsWith(".js"));
    expect(scripts.length).toBeGreaterThan(0);
    const gzipped = scripts.reduce((total, name) => total + gzipSync(readFileSync(join(ASSETS_DIR, name))).length, 0);
    console.log(`web app JavaScript: ${(gzipped / 1024).toFixed(1)} KB gzipped in ${scripts.length} file(s)`);
    expect(gzipped).toBeLessThanOrEqual(SCRIPT_BUDGET_BYTES);
  });

  it("contains the SDK's browser build and nothing of the server or Node", () => {
    const code = readdirSync(ASSETS_DIR)
      .filter((name) => name.endsWith(".js"))
      .map((name) => readFileSync(join(ASSETS_DIR, name), "utf8"))
      .join("\n");
    expect(code).toContain("/trpc");
    for (const leak of ["node:", "better-sqlite3", "kysely", "argon2", "pino", 'from"ws"', "require("]) {
      expect(code, leak).not.toContain(leak);
    }
  });
});
