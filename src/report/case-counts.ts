/**
 * A vitest setup file (vitest.config.ts): counts the fast-check cases each
 * test runs — every fc.assert / fc.check inside it, through a global
 * fast-check plugin — and records them in the test's `meta`, which vitest's
 * JSON reporter writes out. The proof report reads them as "cases checked".
 */
import fc from 'fast-check';
import { afterEach, beforeEach } from 'vitest';

export interface CaseCount {
  /** Property runs executed (until the counterexample, for a failing property). */
  runs: number;
  /** Generated values discarded by preconditions (fc.pre). */
  skips: number;
  /** fc.assert / fc.check calls. */
  properties: number;
  /** Of those, the ones that found a counterexample (in a passing test: a negative control doing its job). */
  counterexamples: number;
}

declare module 'vitest' {
  interface TaskMeta {
    fastCheck?: CaseCount;
  }
}

let current: CaseCount | undefined;
const INSTALLED = Symbol.for('flatcheck.case-counts');
const registry = globalThis as { [INSTALLED]?: boolean };
if (!registry[INSTALLED]) {
  registry[INSTALLED] = true;
  fc.installGlobalPlugin(() => ({
    onAllRunsComplete: (details) => {
      if (!current) return;
      current.runs += details.numRuns;
      current.skips += details.numSkips;
      current.properties++;
      if (details.failed) current.counterexamples++;
    },
  }));
}

beforeEach(() => {
  current = { runs: 0, skips: 0, properties: 0, counterexamples: 0 };
});

afterEach(({ task }) => {
  if (current && current.properties > 0) task.meta.fastCheck = current;
  current = undefined;
});
