import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const { packageManager } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { packageManager: string };

/**
 * Packs workspace packages (folders of the repository, such as `"server"`) as they would be
 * published: pnpm runs each `prepack` (a clean build), applies `publishConfig` and turns
 * `workspace:` versions into real ones. Answers the tarballs' paths, in the order given.
 */
export async function packWorkspacePackages(dirs: readonly string[], destination: string): Promise<string[]> {
  mkdirSync(destination, { recursive: true });
  const tarballs: string[] = [];
  for (const dir of dirs) {
    const before = new Set(readdirSync(destination));
    await run("npx", ["--yes", packageManager, "pack", "--pack-destination", destination], {
      cwd: join(repo, dir),
      maxBuffer: 16 * 1024 * 1024,
    });
    const made = readdirSync(destination).filter((name) => name.endsWith(".tgz") && !before.has(name));
    if (made.length !== 1) throw new Error(`pnpm pack in ${dir} made ${made.length} tarballs`);
    tarballs.push(join(destination, made[0] as string));
  }
  return tarballs;
}
