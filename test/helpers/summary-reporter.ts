import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends every run with the plain `tests: N passed, N failed, N skipped` line that CI reads, after a line naming the
 * slowest files (tests and hooks, seconds) and the time by directory: CI has a time budget, and this says where it goes.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    const slowest = [...modules]
      .map((m) => ({ file: m.moduleId.replace(/^.*?\/test\//, 'test/'), s: m.diagnostic().duration / 1000 }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 8);
    if (slowest.length > 1) process.stdout.write(`\nslowest files: ${slowest.map((f) => `${f.file} ${f.s.toFixed(1)} s`).join(', ')}\n`);
    // The same time by directory (test/http, test/browser, ...): where a run's budget goes, at a glance.
    const byDir = new Map<string, number>();
    for (const m of modules) {
      const dir = m.moduleId.replace(/^.*?\/test\//, 'test/').split('/').slice(0, 2).join('/');
      byDir.set(dir, (byDir.get(dir) ?? 0) + m.diagnostic().duration / 1000);
    }
    const dirs = [...byDir].sort((a, b) => b[1] - a[1]);
    if (dirs.length > 1) process.stdout.write(`time by directory (files' own, summed over workers): ${dirs.map(([d, s]) => `${d} ${s.toFixed(0)} s`).join(', ')}\n`);
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
