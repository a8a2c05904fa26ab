import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SOURCES = join(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("tRPC's internals", () => {
  it("are imported by the procedure core alone", () => {
    const importers = sourceFiles(SOURCES)
      .filter((file) => readFileSync(file, "utf8").includes("@trpc/server/unstable-core-do-not-import"))
      .map((file) => relative(SOURCES, file));
    expect(importers).toEqual(["trpc/procedure-core.ts"]);
  });
});
