// Builds the app when `dist/` is missing or older than any of its sources (the app's own and
// the SDK's), so `npm start` on a fresh clone serves it and a later start costs nothing.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const webDir = fileURLToPath(new URL("..", import.meta.url));
const builtAt = (() => {
  const index = join(webDir, "dist", "index.html");
  return existsSync(index) ? statSync(index).mtimeMs : 0;
})();

function newestChange(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

const sources = ["src", "index.html", "vite.config.ts", "package.json", "../client-sdk/src", "../pnpm-lock.yaml"];
const changed = Math.max(
  ...sources
    .map((source) => join(webDir, source))
    .filter(existsSync)
    .map(newestChange),
);
if (changed > builtAt) {
  console.log("natter: building the web app…");
  await build({ root: webDir, logLevel: "warn" });
} else {
  console.log("natter: the web app is up to date");
}
