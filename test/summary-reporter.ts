/**
 * Prints the plain closing line "N passed, N failed, N skipped" after vitest's own summary, the
 * form CI reads in any language.
 */
import type { RunnerTask, RunnerTestFile } from "vitest";
import type { Reporter } from "vitest/reporters";

function count(tasks: RunnerTask[], totals: { passed: number; failed: number; skipped: number }): void {
  for (const task of tasks) {
    if (task.type === "suite") count(task.tasks, totals);
    else if (task.result?.state === "fail") totals.failed++;
    else if (task.result?.state === "pass") totals.passed++;
    else totals.skipped++;
  }
}

export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []): void {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    count(files, totals);
    // A file that failed to load (or an unhandled error) has no test to count but is a failure.
    const brokenFiles = files.filter((file) => file.result?.state === "fail" && file.tasks.length === 0).length;
    totals.failed += brokenFiles + errors.length;
    console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  }
}
