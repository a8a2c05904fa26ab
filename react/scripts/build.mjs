// Builds @natter/react to dist/: ES modules and declarations from tsc, against the SDK's own
// build (built first, as the app will install it); then checks nothing leaked and prints the
// size, failing above the budget.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findLeaks } from "./check-dist.mjs";
import { BUDGET_BYTES, printSize } from "./size.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = fileURLToPath(new URL("../dist", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

const sdk = fileURLToPath(new URL("../../client-sdk", import.meta.url));

/** The newest modification time under `path`. */
function newestChange(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

// The SDK is built again only when it, or the server's API it is typed from, changed since.
const sdkBuild = join(sdk, "dist/index.d.ts");
const sdkSources = [join(sdk, "src"), join(sdk, "package.json"), join(sdk, "../server/src")];
if (!existsSync(sdkBuild) || Math.max(...sdkSources.map(newestChange)) > statSync(sdkBuild).mtimeMs)
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: sdk, stdio: "inherit" });
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
const leaks = findLeaks(dist);
if (leaks.length > 0) {
  console.error(`@natter/react leaks into its build:\n  ${leaks.join("\n  ")}`);
  process.exit(1);
}
if ((await printSize()) > BUDGET_BYTES) {
  console.error(`@natter/react is above its size budget of ${BUDGET_BYTES} B min+gzip`);
  process.exit(1);
}
console.log("@natter/react built to dist/");
