// The table of known answers of THEORY.md §5, shared by the two conformance
// property files (split so that vitest runs them in parallel: the Monte-Carlo
// metrics cost most of the time).
import { beforeAll, describe, expect, it } from 'vitest';
import { checkMetric, loadRegistry, type Metric, type Verdict } from '../src/metrics/index.js';
import { runs } from '../src/arbitraries/index.js';
import { covers } from '../src/report/covers.js';

export type Row = [id: string, layerScale: Verdict | 'not-invariant-or-unbounded', neuronScale: Verdict | 'not-invariant-or-unbounded', permutation: Verdict];
export const KNOWN: Row[] = [
  ['loss', 'invariant', 'invariant', 'invariant'],
  ['hessian-spectral-norm', 'unbounded', 'unbounded', 'invariant'],
  ['hessian-trace', 'unbounded', 'unbounded', 'invariant'],
  ['hessian-frobenius', 'unbounded', 'unbounded', 'invariant'],
  ['gradient-norm', 'unbounded', 'unbounded', 'invariant'],
  ['scaled-hessian-spectral-norm', 'invariant', 'invariant', 'invariant'],
  ['scaled-hessian-trace', 'invariant', 'invariant', 'invariant'],
  ['path-norm', 'invariant', 'invariant', 'invariant'],
  ['product-frobenius', 'invariant', 'not-invariant-or-unbounded', 'invariant'],
  ['product-spectral', 'invariant', 'not-invariant-or-unbounded', 'invariant'],
  ['fisher-rao-norm', 'invariant', 'invariant', 'invariant'],
  ['relative-flatness', 'invariant', 'not-invariant-or-unbounded', 'invariant'],
  ['ball-sharpness', 'not-invariant-or-unbounded', 'not-invariant-or-unbounded', 'invariant'],
  ['keskar-sharpness', 'not-invariant-or-unbounded', 'not-invariant-or-unbounded', 'invariant'],
  ['average-sharpness', 'not-invariant-or-unbounded', 'not-invariant-or-unbounded', 'invariant'],
  ['flat-log-volume', 'not-invariant-or-unbounded', 'not-invariant-or-unbounded', 'invariant'],
  ['pac-bayes-sigma', 'not-invariant-or-unbounded', 'not-invariant-or-unbounded', 'invariant'],
  ['adaptive-sharpness', 'invariant', 'invariant', 'invariant'],
  ['adaptive-average-sharpness', 'invariant', 'invariant', 'invariant'],
  ['asam-sharpness', 'not-invariant-or-unbounded', 'not-invariant-or-unbounded', 'invariant'],
  ['magnitude-pac-bayes-sigma', 'invariant', 'invariant', 'invariant'],
];

/** The metrics estimated by Monte Carlo (the slow rows): one property file runs these, the other the rest. */
export const MONTE_CARLO = new Set(['average-sharpness', 'adaptive-average-sharpness', 'pac-bayes-sigma', 'magnitude-pac-bayes-sigma', 'flat-log-volume']);

/** The battery on each row's metric, asserting the row's verdicts and that its declared claims hold. */
export function describeConformance(title: string, rows: Row[]): void {
  let registry: Metric[] = [];
  beforeAll(async () => {
    registry = await loadRegistry();
  });

  describe(`THEORY.md §5: the conformance battery reproduces the table of known answers (${title})`, covers('section-5-table'), () => {
    it.each(rows)('%s: layer-scale %s, neuron-scale %s, permutation %s', async (id, layer, neuron, permutation) => {
      const metric = registry.find((m) => m.id === id);
      expect(metric, id).toBeDefined();
      const report = await checkMetric(metric!, { runs: runs(15).numRuns, ...(runs(15).seed !== undefined ? { seed: runs(15).seed } : {}) });
      const matches = (verdict: Verdict, expected: Row[1]) => (expected === 'not-invariant-or-unbounded' ? verdict === 'not-invariant' || verdict === 'unbounded' : verdict === expected);
      const got = [report.families['layer-scale']!.verdict, report.families['neuron-scale']!.verdict, report.families.permutation!.verdict] as const;
      expect(matches(got[0], layer) && matches(got[1], neuron) && matches(got[2], permutation), `${id}: got ${got.join(', ')}`).toBe(true);
      expect(report.claims, id).toEqual({ ok: true, failed: [] });
    });
  });
}
