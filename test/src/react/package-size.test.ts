import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const SIZE_SCRIPT = fileURLToPath(new URL("../../../react/scripts/size.mjs", import.meta.url));
/** The budget: 6 KB min+gzip, peers left out. */
const BUDGET_BYTES = 6_000;

describe("@natter/react's size", () => {
  it("is at most 6 KB minified and gzipped without its peers, as its build prints", async () => {
    const { stdout } = await run(process.execPath, [SIZE_SCRIPT]);
    console.log(stdout.trim());
    const gzipped = Number(/ (\d+) B min\+gzip \(budget/.exec(stdout)?.[1]);
    expect(gzipped).toBeGreaterThan(0);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
