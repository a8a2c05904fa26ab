import type { SerializedError } from "vitest";
import type { Reporter, TestModule } from "vitest/node";

/**
 * Prints one plain closing line, `N passed, N failed, N skipped`, that CI systems and
 * people can read without parsing vitest's decorated summary. A file that fails before
 * its tests run, and an unhandled error, each count as one failure. Tests that passed only
 * when run again (CI retries once) are named above it: a flaky test is a bug to find, not a pass.
 */
export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const counts = { passed: 0, failed: unhandledErrors.length, skipped: 0, pending: 0 };
    const flaky: string[] = [];
    for (const module of testModules) {
      const before = counts.failed;
      for (const test of module.children.allTests()) {
        counts[test.result().state] += 1;
        if (test.diagnostic()?.flaky) flaky.push(`${module.moduleId} > ${test.fullName}`);
      }
      if (module.state() === "failed" && counts.failed === before) counts.failed += 1;
    }
    printSlowest(testModules);
    for (const name of flaky) console.log(`FLAKY (failed, then passed on a retry): ${name}`);
    const retried = flaky.length > 0 ? ` (${flaky.length} of them only on a retry)` : "";
    console.log(`\n${counts.passed} passed${retried}, ${counts.failed} failed, ${counts.skipped} skipped`);
  }
}

/** How many of the slowest files a whole run names: where to look when CI's time budget runs short. */
const SLOWEST = 12;

function printSlowest(testModules: ReadonlyArray<TestModule>): void {
  if (testModules.length < SLOWEST * 4) return;
  const slowest = [...testModules]
    .map((module) => ({ name: `${module.project.name} ${module.relativeModuleId}`, ms: module.diagnostic().duration }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, SLOWEST);
  console.log(
    `\nslowest files (seconds of tests and hooks): ${slowest.map((m) => `${m.name} ${(m.ms / 1000).toFixed(0)}`).join("; ")}`,
  );
}
