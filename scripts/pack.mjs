#!/usr/bin/env node
// `npm run pack [-- DIR]`: packs every publishable workspace package (each one not marked
// private) into DIR (default ./tarballs), as it would be published, and prints the
// `npm install` line that installs them elsewhere. Until the packages are on the npm registry,
// this is how an app outside this repository gets them.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { packageManager } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const destination = resolve(process.argv[2] ?? "tarballs");
const pnpm = (args, cwd) =>
  execFileSync("npx", ["--yes", packageManager, ...args], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

/** The workspace's packages that are meant for npm: every one not marked private, whatever its folder. */
const publishable = JSON.parse(pnpm(["ls", "--recursive", "--json", "--depth", "-1"], root))
  .filter((workspacePackage) => workspacePackage.private !== true)
  .sort((a, b) => a.name.localeCompare(b.name));

mkdirSync(destination, { recursive: true });
const tarballs = [];
for (const { name, version, path } of publishable) {
  // A tarball of the same version from an earlier run is replaced.
  rmSync(join(destination, tarballName(name, version)), { force: true });
  const before = new Set(readdirSync(destination));
  console.error(`packing ${name} (${relative(root, path)}/)…`);
  // pnpm runs the package's prepack (a clean build), applies publishConfig and turns workspace: versions into real ones.
  pnpm(["pack", "--pack-destination", destination], path);
  const made = readdirSync(destination).filter((file) => file.endsWith(".tgz") && !before.has(file));
  if (made.length !== 1) throw new Error(`pnpm pack in ${path} made ${made.length} tarballs`);
  tarballs.push(join(destination, made[0]));
}

console.error(`\n${tarballs.length} tarballs in ${destination}. Install them in another project with:\n`);
console.log(`npm install ${tarballs.join(" ")}`);

/** How pnpm names a package's tarball: `@natter/db` 0.1.0 → `natter-db-0.1.0.tgz`. */
function tarballName(name, version) {
  return `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;
}
