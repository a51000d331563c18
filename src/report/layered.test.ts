import { describe, expect, it } from 'vitest';
import { checkMetric, loadRegistry, type Family, type Verdict } from '../metrics/index.js';
import type { ConformanceMatrix } from './conformance.js';
import { layeredHtml } from './html.js';
import { layeredConformance, layeredMarkdown, layeredResult, matchesKnownAnswer, type KnownAnswer, type LayeredArchitecture, type LayeredResult } from './layered.js';
import type { VitestJson } from './summary.js';

const root = '/checkout';
const CNN: Family[] = ['layer-scale', 'neuron-scale', 'permutation', 'batchnorm-scale', 'sign-flip', 'logit-shift'];
const N = 'not-invariant-or-unbounded' as const;

/** One check's meta: the families in order, each verdict and its known answer. */
function meta(architecture: LayeredArchitecture, metric: string, families: Family[], verdicts: Verdict[], expected: KnownAnswer[], sampled = false): LayeredResult {
  return { architecture, metric, runs: 4, seed: 5, sampled, cells: families.map((family, k) => ({ family, verdict: verdicts[k]!, expected: expected[k]! })), claims: { ok: true, failed: [] } };
}

/** A stand-in for the suite's results: a loss row that holds, an adaptive-sharpness row (its logit-shift differs from the MLP row) and a Hessian row with one wrong verdict, its check failed. */
function fakeSuite(): VitestJson {
  const I = 'invariant' as const;
  const U = 'unbounded' as const;
  const assertion = (title: string, status: 'passed' | 'failed', layered: LayeredResult) => ({ ancestorTitles: ['layered'], title, status, duration: 1, failureMessages: status === 'failed' ? ['expected true'] : [], meta: { layered } });
  return {
    numPassedTests: 3,
    numFailedTests: 1,
    testResults: [{
      name: `${root}/properties/conformance-layered.prop.ts`,
      assertionResults: [
        assertion('loss', 'passed', meta('cnn', 'loss', CNN, [I, I, I, I, I, I], [I, I, I, I, I, I])),
        assertion('adaptive-sharpness', 'passed', meta('cnn', 'adaptive-sharpness', CNN, [I, I, I, I, I, U], [I, I, I, I, I, N])),
        // The wrong one: the Hessian is unbounded under batchnorm-scale, not invariant.
        assertion('hessian-trace', 'failed', meta('cnn', 'hessian-trace', CNN, [U, U, I, I, I, I], [U, U, I, U, I, I])),
        assertion('loss', 'passed', meta('resnet', 'loss', ['residual-scale'], [I], [I])),
      ],
    }],
  };
}

/** The MLP rows the layered ones are compared with. */
function fakeMlp(): ConformanceMatrix {
  const row = (metric: string, verdicts: Verdict[]) => ({ metric, cells: (['layer-scale', 'neuron-scale', 'permutation'] as Family[]).map((family, k) => ({ family, verdict: verdicts[k]!, claimFailed: false, runs: 4 })), claims: { ok: true, failed: [] } });
  return { families: ['layer-scale', 'neuron-scale', 'permutation'], runs: 4, seed: 5, claimsFailed: 0, rows: [row('loss', ['invariant', 'invariant', 'invariant']), row('adaptive-sharpness', ['invariant', 'invariant', 'invariant']), row('hessian-trace', ['unbounded', 'unbounded', 'invariant'])] };
}

const METRICS = [{ id: 'hessian-trace' }, { id: 'loss', title: 'The loss' }, { id: 'adaptive-sharpness' }, { id: 'path-norm', architectures: ['mlp' as const] }];

describe('the layered conformance matrices', () => {
  it('are read from the suite\'s results: a wrong verdict is marked failed, in the data, the Markdown and the HTML', () => {
    const l = layeredConformance(fakeSuite(), METRICS, fakeMlp(), root);
    expect(l.theory).toBe('docs/theory.md#known-answers-on-conv-and-residual-networks');
    const [cnn, resnet] = l.matrices;
    expect(cnn!.architecture).toBe('cnn');
    expect(cnn!.families).toEqual(CNN);
    // Rows in the registry's order; the MLP-only metric is not applicable, none missing.
    expect(cnn!.rows.map((r) => r.metric)).toEqual(['hessian-trace', 'loss', 'adaptive-sharpness']);
    expect(cnn!.notApplicable).toEqual(['path-norm']);
    expect(cnn!.missing).toEqual([]);
    expect(resnet!.missing).toEqual(['hessian-trace', 'adaptive-sharpness']);
    const hessian = cnn!.rows[0]!;
    expect(hessian).toMatchObject({ file: 'properties/conformance-layered.prop.ts', status: 'failed', ok: false });
    expect(hessian.cells.filter((c) => !c.ok).map((c) => [c.family, c.verdict])).toEqual([['batchnorm-scale', 'invariant']]);
    expect(l.failed).toBe(1);
    // The only differences from the MLP rows: the wrong verdict and adaptive sharpness under logit-shift.
    expect(cnn!.rows.flatMap((r) => r.cells.filter((c) => c.differsFromMlp).map((c) => [r.metric, c.family, c.differsFromMlp!.family]))).toEqual([['hessian-trace', 'batchnorm-scale', 'neuron-scale'], ['adaptive-sharpness', 'logit-shift', 'permutation']]);

    const md = layeredMarkdown(l, '../docs/theory.md#known-answers-on-conv-and-residual-networks');
    expect(md).toContain('**Known answers: 1 rows failed.**');
    expect(md).toContain('| `hessian-trace` ❌ check failed | unbounded ✅ | unbounded ✅ | invariant ✅ | invariant ❌ expected unbounded | invariant ✅ | invariant ✅ |');
    expect(md).toMatch(/\| `adaptive-sharpness` \|.*\| unbounded ✅ \| differs: logit-shift unbounded \(MLP permutation: invariant\) — \[theory §5\]\(\.\.\/docs\/theory\.md#known-answers-on-conv-and-residual-networks\) \|/);
    expect(md).toMatch(/\| `loss` \|( invariant ✅ \|){6} as on MLPs \|/);
    expect(md).toContain('MLPs only');
    expect(md).toContain('Not checked on resnet by this run: `hessian-trace`, `adaptive-sharpness`.');

    const html = layeredHtml(l);
    expect(html.match(/<tr class="failed">/g)).toHaveLength(1);
    expect(html).toContain('invariant ✗ expected unbounded');
    expect(html.match(/class="verdict-cell claim-failed"/g)).toHaveLength(1);
    // Every cell links to its details.
    for (const [, id] of html.matchAll(/<td class="verdict-cell[^"]*"[^>]*><a href="#([^"]+)"/g)) expect(html).toContain(`<div id="${id}"`);
  });

  it('a verdict the report\'s rule rejects fails the row even when its check says it passed', () => {
    const json = fakeSuite();
    json.testResults[0]!.assertionResults[2]!.status = 'passed';
    expect(layeredConformance(json, METRICS, fakeMlp(), root).failed).toBe(1);
  });

  it('with no layered results, the section says so', () => {
    const l = layeredConformance({ testResults: [] }, METRICS, undefined, root);
    expect(l.matrices.map((m) => m.rows.length)).toEqual([0, 0]);
    expect(layeredMarkdown(l, 'x')).toContain('No check of this run reported verdicts on this architecture.');
  });
});

describe('the known-answer rule', () => {
  it('"not invariant" takes either non-invariant verdict, and invariance only from a sampled estimator', () => {
    expect(matchesKnownAnswer('not-invariant', N, false)).toBe(true);
    expect(matchesKnownAnswer('unbounded', N, false)).toBe(true);
    expect(matchesKnownAnswer('invariant', N, false)).toBe(false);
    expect(matchesKnownAnswer('invariant', N, true)).toBe(true);
    expect(matchesKnownAnswer('error', N, true)).toBe(false);
    expect(matchesKnownAnswer(undefined, 'invariant', false)).toBe(false);
    expect(matchesKnownAnswer('not-invariant', 'unbounded', true)).toBe(false);
  });

  it('a battery report becomes one cell per family the architecture has', async () => {
    const loss = (await loadRegistry()).find((m) => m.id === 'loss')!;
    const report = await checkMetric(loss, { architectures: ['cnn'], runs: 2, seed: 3 });
    const r = layeredResult('cnn', report, () => 'invariant', { runs: 2, seed: 3, sampled: false });
    expect(r.cells.map((c) => c.family)).toEqual(CNN);
    expect(r.cells.every((c) => c.verdict === 'invariant' && c.expected === 'invariant')).toBe(true);
    // What the suite records survives vitest's JSON report.
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});
