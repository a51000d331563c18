import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../metrics/index.js';
import { exitCode, prove, type ProveOptions } from './prove.js';
import type { VitestJson } from './summary.js';
import { THEOREM_IDS } from './covers.js';
import { theoremMarkdown, theoremSections } from './sections.js';
import type { ProofSummary } from './summary.js';
import { THEOREMS } from './theorems.js';
import brokenMetric from '../../fixtures/metrics/weight-decay.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'flatcheck-prove-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A stand-in for the vitest subprocess: one file, one passing check (with its case count) and optionally a failing one. */
function suite(failing: boolean): ProveOptions['runSuite'] {
  const name = join(root, 'properties/flat-volume.prop.ts');
  return async (): Promise<VitestJson> => ({
    numPassedTests: 1,
    numFailedTests: failing ? 1 : 0,
    testResults: [{
      name,
      assertionResults: [
        { ancestorTitles: ['Theorem 2: stand-in'], title: 'passes', status: 'passed', duration: 1, failureMessages: [], meta: { fastCheck: { runs: 400, skips: 3, properties: 1, counterexamples: 0 }, covers: ['theorem-2'] } },
        ...(failing ? [{ ancestorTitles: ['Theorem 2: stand-in'], title: 'fails', status: 'failed' as const, duration: 1, failureMessages: ['Property failed after 1 tests'], meta: { covers: ['theorem-2' as const] } }] : []),
        // Not tagged: in the appendix, in no theorem's section.
        { ancestorTitles: ['Theorem 2: an untagged check'], title: 'passes', status: 'passed', duration: 1, failureMessages: [] },
      ],
    }],
  });
}

const base = async (dir: string, failing: boolean, broken: boolean): Promise<ProveOptions> => {
  const loss = (await loadRegistry()).find((m) => m.id === 'loss')!;
  return {
    scale: 1, seed: 5, outDir: join(work, dir), root, runSuite: suite(failing),
    metrics: async () => (broken ? [loss, brokenMetric] : [loss]), conformanceRuns: 4, figureAlphas: [0.5, 1, 2],
  };
};

describe('prove', () => {
  it('writes index.md, summary.json and the figures; a failing check makes it exit 1', async () => {
    const opts = await base('failing-check', true, false);
    const extra = { markdown: '## Stand-in experiment\n\nHello.', json: { hello: 1 }, figures: [{ name: 'extra.svg', svg: '<svg/>' }], ok: true };
    const report = await prove({ ...opts, extraSections: [async () => extra] });
    expect(report.ok).toBe(false);
    expect(exitCode(report)).toBe(1);
    const md = readFileSync(join(opts.outDir, 'index.md'), 'utf8');
    expect(md).toContain('## Contents');
    expect(md).toContain('❌ something failed');
    for (const f of ['curvature', 'sharpness', 'figure5', 'conformance']) {
      expect(md).toContain(`](figures/${f}.svg)`);
      expect(readFileSync(join(opts.outDir, `figures/${f}.svg`), 'utf8').startsWith('<svg')).toBe(true);
    }
    // index.html: the same report, one file, every figure inlined (the browser test, html.test.ts, checks it renders).
    const html = readFileSync(join(opts.outDir, 'index.html'), 'utf8');
    expect(html.match(/<figure id="figure-[^"]+" class="chart"><svg\b/g)).toHaveLength(4);
    expect(html).not.toMatch(/\b(src|href)="(?!#|data:)/);
    expect(html).toContain('npx vitest run \'properties/flat-volume.prop.ts\' -t \'Theorem 2: stand-in fails\'');
    // The theorem table meets the suite through the checks' `covers` tags: Theorem 2 has its two tagged checks, its case count and a certified witness.
    const t2 = report.theorems.find((t) => t.id === 'theorem-2')!;
    expect(t2).toMatchObject({ passed: 1, failed: 1, cases: 400, ok: false });
    expect(t2.witness!.certified).toBe(true);
    expect(md).toContain('| `properties/flat-volume.prop.ts` › Theorem 2: stand-in › passes | 400 (+3 discarded) | ✅ passed |');
    expect(t2.checks.map((c) => c.statement)).not.toContain('Theorem 2: an untagged check');
    expect(report.theorems.find((t) => t.id === 'theorem-1')).toMatchObject({ checks: [], ok: false });
    // Extra sections: in the contents, the body, summary.json and figures/.
    expect(md).toContain('[Stand-in experiment](#stand-in-experiment)');
    expect(readFileSync(join(opts.outDir, 'figures/extra.svg'), 'utf8')).toBe('<svg/>');
    const json = JSON.parse(readFileSync(join(opts.outDir, 'summary.json'), 'utf8'));
    expect(json).toMatchObject({ format: 'flatcheck.report/v1', seed: 5, ok: false, failed: 1, extra: [{ hello: 1 }] });
    expect(json.figures.data.curvature.points).toHaveLength(3);
    expect(json.conformance.rows[0].metric).toBe('loss');
  });

  it('a property file that fails to load counts as a failure, though it has no failing assertion', async () => {
    const opts = await base('unloaded-file', false, false);
    const passing = opts.runSuite!;
    const withBrokenFile: ProveOptions['runSuite'] = async (...args) => {
      const json = await passing(...args);
      return { ...json, testResults: [...json.testResults, { name: join(root, 'properties/loaders.prop.ts'), status: 'failed', assertionResults: [] }] };
    };
    const report = await prove({ ...opts, runSuite: withBrokenFile });
    expect(report.failed).toBe(1);
    expect(exitCode(report)).toBe(1);
  });

  it('a failing extra section makes it exit 1 even when every check passes', async () => {
    const opts = await base('failing-extra', false, false);
    const report = await prove({ ...opts, extraSections: [async () => ({ markdown: '## Broken experiment', json: {}, figures: [], ok: false })] });
    expect(report.failed).toBe(0);
    expect(report.ok).toBe(false);
    expect(exitCode(report)).toBe(1);
  });

  it('a failed metric claim (the negative control) makes it exit 1 even when every check passes', async () => {
    const opts = await base('failing-claim', false, true);
    const report = await prove(opts);
    expect(report.failed).toBe(0);
    expect(report.conformance.claimsFailed).toBe(1);
    expect(exitCode(report)).toBe(1);
    expect(readFileSync(join(opts.outDir, 'index.md'), 'utf8')).toContain('1 declared claims failed');
  });

  it('shows the suite\'s verdicts on conv and residual networks, in index.md, index.html and summary.json; a wrong one makes it exit 1', async () => {
    const opts = await base('layered', false, false);
    const passing = opts.runSuite!;
    const families = ['layer-scale', 'neuron-scale', 'permutation', 'batchnorm-scale', 'sign-flip', 'logit-shift'] as const;
    const cells = (logitShift: 'invariant' | 'unbounded') => families.map((family) => ({ family, verdict: family === 'logit-shift' ? logitShift : 'invariant' as const, expected: 'invariant' as const }));
    // A check that passed but recorded a verdict the known answer rejects: the report's own rule catches it.
    const withLayered: ProveOptions['runSuite'] = async (...args) => {
      const json = await passing(...args);
      const layered = { architecture: 'cnn' as const, metric: 'loss', runs: 4, seed: 5, sampled: false, cells: cells('unbounded'), claims: { ok: true, failed: [] } };
      return { ...json, testResults: [...json.testResults, { name: join(root, 'properties/conformance-layered.prop.ts'), assertionResults: [{ ancestorTitles: ['layered'], title: 'loss', status: 'passed' as const, duration: 1, failureMessages: [], meta: { layered } }] }] };
    };
    const report = await prove({ ...opts, runSuite: withLayered });
    expect(report.failed).toBe(0);
    expect(report.ok).toBe(false);
    expect(exitCode(report)).toBe(1);
    const md = readFileSync(join(opts.outDir, 'index.md'), 'utf8');
    expect(md).toContain('4. [Conformance on conv and residual networks](#conformance-on-conv-and-residual-networks)');
    expect(md).toContain('## Conformance on conv and residual networks');
    expect(md).toContain('| `loss` | invariant ✅ | invariant ✅ | invariant ✅ | invariant ✅ | invariant ✅ | unbounded ❌ expected invariant | differs: logit-shift unbounded (MLP permutation: invariant)');
    // docs/theory.md §5, relative to where the report was written.
    expect(md).toContain(`](${relative(opts.outDir, join(root, 'docs/theory.md'))}#known-answers-on-conv-and-residual-networks)`);
    expect(md).toContain('Conv and residual networks: 1 metrics × 6 families on cnn, 0 metrics × 7 families on resnet: **1 rows failed**');
    const html = readFileSync(join(opts.outDir, 'index.html'), 'utf8');
    expect(html).toContain('<h2 id="layered-conformance">');
    expect(html).toContain('unbounded ✗ expected invariant');
    const json = JSON.parse(readFileSync(join(opts.outDir, 'summary.json'), 'utf8'));
    expect(json.layered).toMatchObject({ failed: 1, theory: 'docs/theory.md#known-answers-on-conv-and-residual-networks' });
    expect(json.layered.matrices[0].rows[0].cells[5]).toMatchObject({ family: 'logit-shift', verdict: 'unbounded', ok: false });
  });

  it('a passing suite with holding claims exits 0; a failed run leaves the previous report whole', async () => {
    const opts = await base('passing', false, false);
    const report = await prove({ ...opts, theorems: THEOREMS.filter((t) => t.id === 'theorem-2') });
    expect(exitCode(report)).toBe(0);
    const before = readFileSync(join(opts.outDir, 'index.md'), 'utf8');
    await expect(prove({ ...opts, runSuite: async () => { throw new Error('the property suite did not report'); } })).rejects.toThrow('did not report');
    expect(readFileSync(join(opts.outDir, 'index.md'), 'utf8')).toBe(before);
    expect(existsSync(join(opts.outDir, 'figures/curvature.svg'))).toBe(true);
  });
});

describe('theorem coverage', () => {
  const summary = (covers?: ProofSummary['files'][number]['claims'][number]['checks'][number]['covers']): ProofSummary => ({
    format: 'flatcheck.report/v1', seed: 5, runScale: 1, passed: 1, failed: 0,
    files: [{ file: 'properties/conformance.prop.ts', source: '', claims: [{ statement: 'Theorem 2: its title says so', checks: [{ title: 'passes', status: 'passed', durationMs: 1, ...(covers ? { covers } : {}) }] }] }],
  });
  const table = THEOREMS.filter((t) => t.id === 'section-5-table');

  it('a check belongs to the theorems its covers tag names, whatever its title', () => {
    expect(theoremSections(summary(['section-5-table']), table)[0]).toMatchObject({ passed: 1, ok: true });
    expect(theoremSections(summary(['theorem-2']), table)[0]).toMatchObject({ checks: [], ok: false });
  });

  it('a theorem that no check covers fails, and its section says so', () => {
    const [section] = theoremSections(summary(), table);
    expect(section).toMatchObject({ checks: [], passed: 0, ok: false });
    expect(theoremMarkdown(section!, 1)).toContain('**No property check covers this result');
  });

  it('the table has one entry per theorem id', () => {
    expect(THEOREMS.map((t) => t.id)).toEqual([...THEOREM_IDS]);
  });
});
