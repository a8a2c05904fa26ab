// Builds @natter/client to dist/: ES modules and declarations from tsc, whose declaration emit
// writes the router type out in full (see src/app-router.ts); then checks nothing leaked.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { findLeaks } from "./check-dist.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = fileURLToPath(new URL("../dist", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
const leaks = findLeaks(dist);
if (leaks.length > 0) {
  console.error(`@natter/client leaks into its build:\n  ${leaks.join("\n  ")}`);
  process.exit(1);
}
console.log("@natter/client built to dist/");
