/**
 * The proof report's conformance verdicts on conv and residual networks. The
 * suite's layered conformance properties already run the battery on them
 * (properties/known-answers.ts), at the report's scale: each records its
 * verdicts in the test's `meta`, which vitest's JSON reporter writes out, and
 * the report reads them from there — no second run of the battery, and shards
 * carry them like every other result. Rows are compared with the same metric's
 * MLP row of the report's own matrix and the differences point to
 * docs/theory.md §5.
 */
import { FAMILIES_CHECKED, type BatteryReport, type Counterexample, type Family, type Metric, type Verdict } from '../metrics/index.js';
import { anchor, escapeCell as escape } from '../output/markdown.js';
import type { ConformanceMatrix } from './conformance.js';

export type LayeredArchitecture = 'cnn' | 'resnet';
export const LAYERED_ARCHITECTURES: readonly LayeredArchitecture[] = ['cnn', 'resnet'];
/** A known answer: "not invariant" accepts either of the battery's two non-invariant verdicts (docs/theory.md §5). */
export type KnownAnswer = Verdict | 'not-invariant-or-unbounded';

/** Where the known answers on layered networks are derived, relative to the checkout. */
export const LAYERED_THEORY = { path: 'docs/theory.md', anchor: anchor('Known answers on conv and residual networks') } as const;

export interface LayeredCell {
  family: Family;
  expected: KnownAnswer;
  /** Absent when the battery gave no verdict for a family the architecture has. */
  verdict?: Verdict;
  counterexample?: Counterexample;
  path?: { t: number; value: number }[];
  error?: string;
}

/** What one layered conformance check records in its test's meta. */
export interface LayeredResult {
  architecture: LayeredArchitecture;
  metric: string;
  runs: number;
  seed?: number;
  /** A Monte-Carlo row: its "not invariant" answers are asserted only where the change beats the sampling noise. */
  sampled: boolean;
  cells: LayeredCell[];
  claims: BatteryReport['claims'];
}

declare module 'vitest' {
  interface TaskMeta {
    layered?: LayeredResult;
  }
}

/** The rule the layered properties assert and the report marks cells by. */
export function matchesKnownAnswer(verdict: Verdict | undefined, expected: KnownAnswer, sampled: boolean): boolean {
  if (expected !== 'not-invariant-or-unbounded') return verdict === expected;
  // A sampled estimator may miss a change within 12 standard errors: its invariance is a failure to detect.
  return verdict === 'not-invariant' || verdict === 'unbounded' || (sampled && verdict === 'invariant');
}

/** A battery report on one architecture as its test's meta: one cell per family the battery checks there. */
export function layeredResult(architecture: LayeredArchitecture, report: BatteryReport, expected: (family: Family) => KnownAnswer, options: { runs: number; seed?: number; sampled: boolean }): LayeredResult {
  const got = report.architectures?.[architecture] ?? {};
  const cells = FAMILIES_CHECKED[architecture].map((family): LayeredCell => {
    const r = got[family];
    return {
      family,
      expected: expected(family),
      ...(r ? { verdict: r.verdict } : {}),
      ...(r?.counterexample ? { counterexample: r.counterexample } : {}),
      ...(r?.path ? { path: r.path } : {}),
      ...(r?.error ? { error: r.error } : {}),
    };
  });
  return { architecture, metric: report.metric, runs: options.runs, ...(options.seed !== undefined ? { seed: options.seed } : {}), sampled: options.sampled, cells, claims: report.claims };
}

/** The MLP family whose verdict a layered family's is expected to repeat (docs/theory.md §5): positive diagonal maps as neuron-scale, the rest as permutation. */
export const MLP_ANALOGUE: Record<Family, Family> = {
  'layer-scale': 'layer-scale', 'neuron-scale': 'neuron-scale', permutation: 'permutation',
  'residual-scale': 'neuron-scale', 'batchnorm-scale': 'neuron-scale', 'sign-flip': 'permutation', 'logit-shift': 'permutation',
};

export interface LayeredMatrixCell extends LayeredCell {
  /** The verdict matches the known answer. */
  ok: boolean;
  /** The verdict's kind (invariant or not) differs from the MLP verdict of its analogue family. */
  differsFromMlp?: { family: Family; verdict: Verdict };
}

export interface LayeredMatrixRow {
  metric: string;
  title?: string;
  file: string;
  /** The property check's own result. */
  status: string;
  runs: number;
  seed?: number;
  sampled: boolean;
  cells: LayeredMatrixCell[];
  claims: BatteryReport['claims'];
  /** The MLP matrix has a row for the metric (the comparison was made). */
  comparedWithMlp: boolean;
  /** Every cell matches and the check passed. */
  ok: boolean;
}

export interface LayeredMatrix {
  architecture: LayeredArchitecture;
  families: readonly Family[];
  rows: LayeredMatrixRow[];
  /** Registered metrics that take MLPs only, so have no verdict here. */
  notApplicable: string[];
  /** Registered metrics that take this architecture but no check of this run reported. */
  missing: string[];
}

export interface LayeredConformance {
  /** Relative to the checkout. */
  theory: string;
  matrices: LayeredMatrix[];
  /** Rows whose check failed or whose verdicts miss a known answer. */
  failed: number;
}

const invariance = (v: Verdict | undefined) => (v === 'invariant' ? 'invariant' : v === 'error' || v === undefined ? v : 'not-invariant');

/** What is read of vitest's JSON report (summary.ts's VitestJson). */
interface SuiteResults {
  testResults: { name: string; assertionResults: { status: string; meta?: { layered?: LayeredResult } }[] }[];
}

/**
 * The layered matrices from the suite's results: every check that recorded
 * layered verdicts, per architecture, rows in the order of `metrics` (the
 * registry; others after), each cell held to its known answer and compared
 * with the MLP matrix's row for the same metric.
 */
export function layeredConformance(json: SuiteResults, metrics: readonly Pick<Metric, 'id' | 'title' | 'architectures'>[], mlp: ConformanceMatrix | undefined, root: string): LayeredConformance {
  const order = new Map(metrics.map((m, i) => [m.id, i]));
  const matrices = LAYERED_ARCHITECTURES.map((architecture): LayeredMatrix => {
    const rows: LayeredMatrixRow[] = [];
    for (const file of json.testResults) {
      for (const a of file.assertionResults) {
        const r = a.meta?.layered;
        if (r?.architecture !== architecture) continue;
        const mlpRow = mlp?.rows.find((m) => m.metric === r.metric);
        const cells = r.cells.map((c): LayeredMatrixCell => {
          const analogue = mlpRow?.cells.find((m) => m.family === MLP_ANALOGUE[c.family]);
          const differs = analogue && invariance(analogue.verdict) !== invariance(c.verdict);
          return { ...c, ok: matchesKnownAnswer(c.verdict, c.expected, r.sampled), ...(differs ? { differsFromMlp: { family: analogue.family, verdict: analogue.verdict } } : {}) };
        });
        const title = metrics.find((m) => m.id === r.metric)?.title;
        const ok = a.status === 'passed' && cells.every((c) => c.ok) && r.claims.ok;
        rows.push({ metric: r.metric, ...(title ? { title } : {}), file: relativeTo(root, file.name), status: a.status, runs: r.runs, ...(r.seed !== undefined ? { seed: r.seed } : {}), sampled: r.sampled, cells, claims: r.claims, comparedWithMlp: mlpRow !== undefined, ok });
      }
    }
    rows.sort((x, y) => (order.get(x.metric) ?? Infinity) - (order.get(y.metric) ?? Infinity));
    const takes = (m: (typeof metrics)[number]) => m.architectures === undefined || m.architectures.includes(architecture);
    return {
      architecture,
      families: FAMILIES_CHECKED[architecture],
      rows,
      notApplicable: metrics.filter((m) => !takes(m)).map((m) => m.id),
      missing: metrics.filter((m) => takes(m) && !rows.some((r) => r.metric === m.id)).map((m) => m.id),
    };
  });
  return { theory: `${LAYERED_THEORY.path}#${LAYERED_THEORY.anchor}`, matrices, failed: matrices.reduce((n, m) => n + m.rows.filter((r) => !r.ok).length, 0) };
}

function relativeTo(root: string, name: string): string {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

const EXPECTED_TEXT: Record<KnownAnswer, string> = { invariant: 'invariant', unbounded: 'unbounded', 'not-invariant': 'not-invariant', error: 'error', 'not-invariant-or-unbounded': 'not invariant' };
export const expectedText = (e: KnownAnswer) => EXPECTED_TEXT[e];

/** A sampled row's invariant verdict where the answer is "not invariant": accepted, but only a failure to detect. */
export const undetected = (c: LayeredCell, sampled: boolean) => sampled && c.verdict === 'invariant' && c.expected === 'not-invariant-or-unbounded';

/** The families in which a row differs from its MLP row, as "logit-shift not-invariant (MLP permutation: invariant)". */
export function differencesText(r: LayeredMatrixRow): string[] {
  return r.cells.filter((c) => c.differsFromMlp).map((c) => `${c.family} ${c.verdict ?? 'no verdict'} (MLP ${c.differsFromMlp!.family}: ${c.differsFromMlp!.verdict})`);
}

function cellText(c: LayeredMatrixCell, sampled: boolean): string {
  if (!c.ok) return `${c.verdict ?? 'no verdict'} ❌ expected ${expectedText(c.expected)}`;
  return `${c.verdict}${undetected(c, sampled) ? ' ✅\\*' : ' ✅'}`;
}

/** The layered section's Markdown; `theoryHref` is docs/theory.md's §5 relative to the report. */
export function layeredMarkdown(l: LayeredConformance, theoryHref: string): string {
  const why = `[docs/theory.md §5](${theoryHref})`;
  const see = `[theory §5](${theoryHref})`;
  const out = [
    'The battery on conv nets (conv, pooling, flatten, dense) and residual nets (identity and projection skips), one verdict per symmetry family the architecture has, ' +
      `for every reference metric that takes such networks. The verdicts are the suite's own (\`properties/conformance-layered*.prop.ts\`, at the report's scale and seed): ` +
      `each is held to the known answer of ${why}; ✅ marks a match, ❌ a miss. ` +
      'The last column compares each row with the metric\'s row in the MLP matrix above, family by family: residual-scale and batchnorm-scale with neuron-scale (positive diagonal maps), ' +
      `sign-flip and logit-shift with permutation; a row that differs is explained in ${why}.`,
    '',
    `**Known answers: ${l.failed === 0 ? 'all match' : `${l.failed} rows failed`}.**`,
  ];
  for (const m of l.matrices) {
    out.push('', `### ${m.architecture === 'cnn' ? 'Conv nets (cnn)' : 'Residual nets (resnet)'}`, '');
    if (m.rows.length === 0) {
      out.push('No check of this run reported verdicts on this architecture.');
    } else {
      const cases = [...new Set(m.rows.map((r) => r.runs))].sort((a, b) => b - a);
      const sampled = m.rows.some((r) => r.sampled) ? ' (the Monte-Carlo rows fewer)' : '';
      out.push(`${m.rows.length} metrics × ${m.families.length} families, ${cases.join(' or ')} cases per cell${sampled}.`, '');
      out.push(`| metric | ${m.families.join(' | ')} | compared with the MLP row |`, `|---|${m.families.map(() => '---').join('|')}|---|`);
      for (const r of m.rows) {
        const diff = differencesText(r);
        const compared = diff.length ? `differs: ${escape(diff.join('; '))} — ${see}` : r.comparedWithMlp ? 'as on MLPs' : '— (no MLP row)';
        const failed = r.status !== 'passed' ? ` ❌ check ${r.status}` : !r.claims.ok ? ` ❌ claim failed: ${escape(r.claims.failed.join('; '))}` : '';
        out.push(`| \`${r.metric}\`${r.sampled ? ' (Monte Carlo)' : ''}${failed} | ${r.cells.map((c) => cellText(c, r.sampled)).join(' | ')} | ${compared} |`);
      }
      if (m.rows.some((r) => r.cells.some((c) => undetected(c, r.sampled)))) {
        out.push('', `\\* A Monte-Carlo estimate whose change stayed within 12 standard errors: "not invariant" is the answer, and the battery did not detect it at this case count (${why}).`);
      }
    }
    if (m.notApplicable.length) out.push('', `MLPs only (they read an MLP's layers; the battery reports them not applicable, ${why}): ${m.notApplicable.map((id) => `\`${id}\``).join(', ')}.`);
    if (m.missing.length) out.push('', `Not checked on ${m.architecture} by this run: ${m.missing.map((id) => `\`${id}\``).join(', ')}.`);
  }
  return out.join('\n');
}
