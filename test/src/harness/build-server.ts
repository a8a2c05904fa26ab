import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { bundleServer } from "../../../server/scripts/bundle-server.js";

/**
 * Vitest global setup: brings the compiled server up to date with the sources before any test
 * spawns the CLI: tsc's output (`tsc -b` skips what is already current, about a second) and the
 * bundle `natter` runs (esbuild, under a second).
 */
export default async function buildServer(): Promise<void> {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-b", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  await bundleServer();
}
