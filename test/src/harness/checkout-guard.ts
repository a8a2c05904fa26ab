import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
/** What the build step writes (before any test runs) and what installs bring: not the tests' doing. */
const BUILD_OUTPUT = new Set([".git", "node_modules", "dist"]);

/** Every file and folder of the checkout, build output and installed packages aside. */
function checkoutEntries(dir = ROOT, found = new Set<string>()): Set<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (BUILD_OUTPUT.has(entry.name)) continue;
    const path = join(dir, entry.name);
    found.add(relative(ROOT, path));
    if (entry.isDirectory()) checkoutEntries(path, found);
  }
  return found;
}

/**
 * Vitest global setup: the suite writes nothing into the checkout. Every test keeps its files
 * under the OS temp dir (databases, uploads, packed tarballs, screenshots) and runs the CLI
 * from there, so a run leaves the working tree as it found it; the teardown fails the run
 * (exit code 1), naming them, if any file or folder appeared.
 */
export default function checkoutGuard(): () => void {
  const before = checkoutEntries();
  return () => {
    const appeared = [...checkoutEntries()].filter((path) => !before.has(path)).sort();
    if (appeared.length === 0) return;
    // Vitest only logs an error thrown here: the exit code is what fails a run (and CI).
    process.exitCode = 1;
    console.error(`\n!!! FAILED: the tests wrote into the checkout (${ROOT}): ${appeared.slice(0, 20).join(", ")}\n`);
  };
}
