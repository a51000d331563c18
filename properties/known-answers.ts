// The tables of known answers of docs/theory.md §5, shared by the conformance
// property files (split so that vitest runs them in parallel: the Monte-Carlo
// metrics cost most of the time).
import { beforeAll, describe, expect, it } from 'vitest';
import { checkMetric, loadRegistry, type Metric, type Verdict } from '../src/metrics/index.js';
import { runs } from '../src/arbitraries/index.js';
import { covers } from '../src/report/covers.js';
import { layeredResult, matchesKnownAnswer, type KnownAnswer, type LayeredArchitecture } from '../src/report/layered.js';

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

  describe(`docs/theory.md §5: the conformance battery reproduces the table of known answers (${title})`, covers('section-5-table'), () => {
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

type Expected = KnownAnswer;
type LayeredFamily = 'layer-scale' | 'neuron-scale' | 'permutation' | 'residual-scale' | 'batchnorm-scale' | 'sign-flip' | 'logit-shift';
const I = 'invariant' as const;
const U = 'unbounded' as const;
const N = 'not-invariant-or-unbounded' as const;
/** One row of the layered table: verdicts in LAYERED_FAMILIES order. */
export type LayeredRow = [id: string, verdicts: [Expected, Expected, Expected, Expected, Expected, Expected, Expected]];
export const LAYERED_FAMILIES: LayeredFamily[] = ['layer-scale', 'neuron-scale', 'permutation', 'residual-scale', 'batchnorm-scale', 'sign-flip', 'logit-shift'];

/**
 * The table of docs/theory.md §5 on conv and residual networks (residual-scale
 * only on the latter). The metrics that read an MLP's layers (path norm,
 * products of layer norms, relative flatness) declare `architectures: ['mlp']`.
 */
export const KNOWN_LAYERED: LayeredRow[] = [
  ['loss', [I, I, I, I, I, I, I]],
  ['hessian-spectral-norm', [U, U, I, U, U, I, I]],
  ['hessian-trace', [U, U, I, U, U, I, I]],
  ['hessian-frobenius', [U, U, I, U, U, I, I]],
  ['gradient-norm', [U, U, I, U, U, I, I]],
  ['scaled-hessian-spectral-norm', [I, I, I, I, I, I, N]],
  ['scaled-hessian-trace', [I, I, I, I, I, I, N]],
  ['fisher-rao-norm', [I, I, I, I, I, I, I]],
  ['ball-sharpness', [N, N, I, N, N, I, I]],
  ['keskar-sharpness', [N, N, I, N, N, I, N]],
  ['average-sharpness', [N, N, I, N, N, I, I]],
  ['flat-log-volume', [N, N, I, N, N, I, I]],
  ['pac-bayes-sigma', [N, N, I, N, N, I, I]],
  ['adaptive-sharpness', [I, I, I, I, I, I, N]],
  ['adaptive-average-sharpness', [I, I, I, I, I, I, N]],
  ['asam-sharpness', [N, N, I, N, N, I, N]],
  ['magnitude-pac-bayes-sigma', [I, I, I, I, I, I, N]],
];

/** The layered rows by estimator: conformance-layered.prop.ts runs the closed-form and maximised ones, conformance-layered-sampled-{cnn,resnet}.prop.ts the Monte-Carlo ones (one file per architecture, so that vitest runs them on two workers). */
export const LAYERED_EXACT = KNOWN_LAYERED.filter(([id]) => !MONTE_CARLO.has(id));
export const LAYERED_SAMPLED = KNOWN_LAYERED.filter(([id]) => MONTE_CARLO.has(id));

/** Shrink steps after a counterexample: enough to make it small, and the battery's time on these networks is mostly shrinking. */
const SHRINK_LIMIT = 40;

/**
 * The battery on conv or residual networks, asserting each row's verdicts for
 * the families the architecture has. With `sampled`, the rows' estimators are
 * Monte Carlo and their "not invariant" entries are changes the battery sees
 * only when they exceed 12 standard errors of the estimate (docs/theory.md §5):
 * those entries are held to "not an error", the invariant ones as always.
 * Each check records its verdicts in its meta: the proof report's layered matrices.
 */
export function describeLayeredConformance(architecture: LayeredArchitecture, rows: LayeredRow[], sampled = false): void {
  let registry: Metric[] = [];
  beforeAll(async () => {
    registry = await loadRegistry();
  });
  describe(`docs/theory.md §5: the battery reproduces the known answers on ${architecture} networks`, covers('section-5-table'), () => {
    it.for(rows)('%s', async ([id, expected], { task }) => {
      const metric = registry.find((m) => m.id === id);
      expect(metric, id).toBeDefined();
      // An estimator's case costs 16 evaluations once it differs (paired seeds): fewer cases and shrink steps for those rows.
      const { numRuns, seed } = runs(sampled ? 5 : 10);
      const report = await checkMetric(metric!, { architectures: [architecture], runs: numRuns, shrinkLimit: sampled ? SHRINK_LIMIT / 4 : SHRINK_LIMIT, ...(seed !== undefined ? { seed } : {}) });
      const known = (family: string) => expected[LAYERED_FAMILIES.indexOf(family as LayeredFamily)]!;
      // Recorded before the assertions: a wrong verdict is shown in the report, marked.
      task.meta.layered = layeredResult(architecture, report, known, { runs: numRuns, ...(seed !== undefined ? { seed } : {}), sampled });
      const got = report.architectures![architecture]!;
      LAYERED_FAMILIES.forEach((family, k) => {
        const verdict = got[family]?.verdict;
        if (architecture === 'cnn' && family === 'residual-scale') return expect(verdict, family).toBeUndefined();
        const want = expected[k]!;
        expect(matchesKnownAnswer(verdict, want, sampled), `${id} on ${architecture}, ${family}: expected ${want}, got ${verdict} ${JSON.stringify(got[family]?.counterexample ?? got[family]?.error ?? '')}`).toBe(true);
      });
      expect(report.claims, id).toEqual({ ok: true, failed: [] });
    });
  });
}
