/**
 * Vitest matchers for other projects' tests (`import 'flatcheck/vitest'`):
 *   await expect(metric).toBeInvariantUnder('neuron-scale');
 *   await expect(metric).toBeUnboundedUnder('layer-scale');
 * Each runs the conformance battery for that family and fails with its
 * verdict and shrunk counterexample.
 */
import { expect } from 'vitest';
import { checkMetric, type BatteryOptions, type Family, type Metric } from './metrics/index.js';

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

async function verdictOf(metric: Metric, family: Family, options: MatcherOptions = {}) {
  const report = await checkMetric(metric, { ...options, families: [family] });
  return report.families[family]!;
}

expect.extend({
  async toBeInvariantUnder(metric: Metric, family: Family, options?: MatcherOptions) {
    const r = await verdictOf(metric, family, options);
    return {
      pass: r.verdict === 'invariant',
      message: () =>
        `expected ${metric.id} ${this.isNot ? 'not ' : ''}to be invariant under ${family}; verdict: ${r.verdict}` +
        (r.counterexample ? `\ncounterexample (seed ${r.seed}): ${r.counterexample.before} → ${r.counterexample.after} under ${r.counterexample.symmetry}\n${JSON.stringify(r.counterexample.network)}` : '') +
        (r.error ? `\n${r.error}` : ''),
    };
  },
  async toBeUnboundedUnder(metric: Metric, family: Family, options?: MatcherOptions) {
    const r = await verdictOf(metric, family, options);
    return {
      pass: r.verdict === 'unbounded',
      message: () => `expected ${metric.id} ${this.isNot ? 'not ' : ''}to be unbounded under ${family}; verdict: ${r.verdict}${r.path ? `\npath: ${r.path.map((p) => `${p.t}: ${p.value}`).join(', ')}` : ''}`,
    };
  },
});
