/**
 * Vitest matchers for other projects' tests (`import 'flatcheck/vitest'`):
 *   await expect(metric).toBeInvariantUnder('neuron-scale');
 *   await expect(metric).toBeUnboundedUnder('layer-scale');
 *   await expect({ exec: 'python3 my_metric.py' }).toBeInvariantUnder('permutation');
 * Each runs the conformance battery for that family and fails with its
 * verdict and shrunk counterexample.
 */
import { expect } from 'vitest';
import { checkExecMetric, checkMetric, type BatteryOptions, type ExecCheckOptions, type Family, type Metric } from './metrics/index.js';

type MatcherOptions = Omit<BatteryOptions, 'families'>;

interface FlatcheckMatchers<R = unknown> {
  toBeInvariantUnder(family: Family, options?: MatcherOptions): Promise<R>;
  toBeUnboundedUnder(family: Family, options?: MatcherOptions): Promise<R>;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any -- vitest declares Assertion<T = any>: a merged declaration must match
  interface Assertion<T = any> extends FlatcheckMatchers<T> {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AsymmetricMatchersContaining extends FlatcheckMatchers {}
}

/** A metric object, or a metric program speaking flatcheck.metric/v1 (`{ exec: 'python3 m.py' }`, as `flatcheck check --exec`). */
type Checked = Metric | ({ exec: string } & Pick<ExecCheckOptions, 'jobs' | 'id' | 'claims'>);

async function verdictOf(metric: Checked, family: Family, options: MatcherOptions = {}) {
  const report = 'exec' in metric ? (await checkExecMetric(metric.exec, { ...options, ...metric, families: [family] })).report : await checkMetric(metric, { ...options, families: [family] });
  return { id: report.metric, ...report.families[family]! };
}

expect.extend({
  async toBeInvariantUnder(metric: Checked, family: Family, options?: MatcherOptions) {
    const r = await verdictOf(metric, family, options);
    return {
      pass: r.verdict === 'invariant',
      message: () =>
        `expected ${r.id} ${this.isNot ? 'not ' : ''}to be invariant under ${family}; verdict: ${r.verdict}` +
        (r.counterexample ? `\ncounterexample (seed ${r.seed}): ${r.counterexample.before} → ${r.counterexample.after} under ${r.counterexample.symmetry}\n${JSON.stringify(r.counterexample.network)}` : '') +
        (r.error ? `\n${r.error}` : ''),
    };
  },
  async toBeUnboundedUnder(metric: Checked, family: Family, options?: MatcherOptions) {
    const r = await verdictOf(metric, family, options);
    return {
      pass: r.verdict === 'unbounded',
      message: () => `expected ${r.id} ${this.isNot ? 'not ' : ''}to be unbounded under ${family}; verdict: ${r.verdict}${r.path ? `\npath: ${r.path.map((p) => `${p.t}: ${p.value}`).join(', ')}` : ''}`,
    };
  },
});
