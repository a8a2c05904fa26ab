import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Vitest global setup: brings the compiled server (what `natter` runs) up to date with the
 * sources before any test spawns the CLI. `tsc -b` skips what is already current (about a second).
 */
export default function buildServer(): void {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-b", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
}
