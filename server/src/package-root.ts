import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The server package's folder, the nearest one above this module holding a package.json.
 * Found rather than written as a relative path: the sources, tsc's output and the bundle
 * sit at different depths below it.
 */
export const PACKAGE_ROOT: string = nearestPackageDir(dirname(fileURLToPath(import.meta.url)));

function nearestPackageDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
