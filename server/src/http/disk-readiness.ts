import { statfs } from "node:fs/promises";
import type { ReadinessCheck } from "./readiness.js";

/**
 * Below this much free space a disk counts as full: SQLite needs room for its journal and
 * each upload for its bytes, and a node that cannot write should take no traffic.
 */
const MIN_FREE_BYTES = 1024 * 1024;

/**
 * The readiness check of the disks the server writes to (the SQLite file's directory, the
 * uploads directory): not ready while any of them is (nearly) full, naming it.
 */
export function diskSpaceCheck(directories: readonly string[]): ReadinessCheck {
  const distinct = [...new Set(directories)];
  return {
    name: "disk",
    async check() {
      for (const directory of distinct) {
        const { bavail, bsize } = await statfs(directory);
        const free = bavail * bsize;
        if (free < MIN_FREE_BYTES) throw new Error(`disk full: ${free} bytes free under ${directory}`);
      }
    },
  };
}
