// Source: THEORY.md §5, the table of known answers (Dinh et al. 2017 for the
// curvature rows; Neyshabur et al. 2015 for the path norm; the T·H·T row).
// The conformance battery must reproduce them for every registered metric
// (a metric added to the registry without a row here fails the last check).
import { beforeAll, describe, expect, it } from 'vitest';
import { checkMetric, loadRegistry, type Metric, type Verdict } from '../src/metrics/index.js';
import { runs } from '../src/arbitraries/index.js';

type Row = [id: string, layerScale: Verdict | 'not-invariant-or-unbounded', neuronScale: Verdict | 'not-invariant-or-unbounded', permutation: Verdict];
const KNOWN: Row[] = [
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

let registry: Metric[] = [];
beforeAll(async () => {
  registry = await loadRegistry();
});

describe('THEORY.md §5: the conformance battery reproduces the table of known answers', () => {
  it.each(KNOWN)('%s: layer-scale %s, neuron-scale %s, permutation %s', async (id, layer, neuron, permutation) => {
    const metric = registry.find((m) => m.id === id);
    expect(metric, id).toBeDefined();
    const report = await checkMetric(metric!, { runs: runs(15).numRuns, ...(runs(15).seed !== undefined ? { seed: runs(15).seed } : {}) });
    const matches = (verdict: Verdict, expected: Row[1]) => (expected === 'not-invariant-or-unbounded' ? verdict === 'not-invariant' || verdict === 'unbounded' : verdict === expected);
    const got = [report.families['layer-scale']!.verdict, report.families['neuron-scale']!.verdict, report.families.permutation!.verdict] as const;
    expect(matches(got[0], layer) && matches(got[1], neuron) && matches(got[2], permutation), `${id}: got ${got.join(', ')}`).toBe(true);
    expect(report.claims, id).toEqual({ ok: true, failed: [] });
  });
});

it('every registered metric has a row of known answers', () => {
  expect(registry.map((m) => m.id).filter((id) => !KNOWN.some(([known]) => known === id))).toEqual([]);
});
