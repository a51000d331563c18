/**
 * The conformance matrix of the proof report: the battery (src/metrics/battery.ts)
 * run on every metric given — normally the whole registry, read at run time —
 * and its metrics × families verdicts, with each declared claim marked held
 * or failed, as Markdown, as JSON and as a heat map.
 */
import { checkMetric, FAMILIES, type BatteryReport, type Counterexample, type Family, type Metric, type Verdict } from '../metrics/index.js';
import type { VegaLiteSpec } from '../output/charts.js';
import { escapeCell as escape } from '../output/markdown.js';

export interface MatrixCell {
  family: Family;
  verdict: Verdict;
  /** What the metric declares for this family, if anything. */
  claim?: 'invariant' | 'unbounded';
  /** A declared claim the verdict contradicts. */
  claimFailed: boolean;
  runs: number;
  counterexample?: Counterexample;
  /** The one-parameter path t ↦ m(S_t θ) that decided unbounded or not-invariant. */
  path?: { t: number; value: number }[];
  error?: string;
}

export interface MatrixRow {
  metric: string;
  title?: string;
  reference?: string;
  cells: MatrixCell[];
  claims: BatteryReport['claims'];
}

export interface ConformanceMatrix {
  families: readonly Family[];
  runs: number;
  seed: number;
  rows: MatrixRow[];
  claimsFailed: number;
}

export interface MatrixOptions {
  runs: number;
  seed: number;
  log?: (line: string) => void;
}

function claimFor(metric: Metric, family: Family): MatrixCell['claim'] {
  if (metric.claims?.invariant?.includes(family)) return 'invariant';
  if (metric.claims?.unbounded?.includes(family)) return 'unbounded';
  return undefined;
}

export async function conformanceMatrix(metrics: readonly Metric[], opts: MatrixOptions): Promise<ConformanceMatrix> {
  const rows: MatrixRow[] = [];
  for (const metric of metrics) {
    const started = Date.now();
    const report = await checkMetric(metric, { runs: opts.runs, seed: opts.seed });
    const cells = FAMILIES.map((family): MatrixCell => {
      const r = report.families[family]!;
      const claim = claimFor(metric, family);
      return {
        family,
        verdict: r.verdict,
        ...(claim ? { claim } : {}),
        // The battery's own rule (checkMetric): a claim fails when the verdict is not the claimed one.
        claimFailed: claim !== undefined && r.verdict !== claim,
        runs: r.runs,
        ...(r.counterexample ? { counterexample: r.counterexample } : {}),
        ...(r.path ? { path: r.path } : {}),
        ...(r.error ? { error: r.error } : {}),
      };
    });
    rows.push({ metric: metric.id, ...(metric.title ? { title: metric.title } : {}), ...(metric.reference ? { reference: metric.reference } : {}), cells, claims: report.claims });
    opts.log?.(`  ${metric.id}: ${cells.map((c) => c.verdict).join(', ')}${report.claims.ok ? '' : ` — CLAIM FAILED: ${report.claims.failed.join('; ')}`} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  return { families: FAMILIES, runs: opts.runs, seed: opts.seed, rows, claimsFailed: rows.reduce((n, r) => n + r.claims.failed.length, 0) };
}

function cellText(c: MatrixCell): string {
  const claim = c.claim ? (c.claimFailed ? ` ❌ claimed ${c.claim}` : ' ✅') : '';
  return `${c.verdict}${claim}`;
}

export function matrixMarkdown(m: ConformanceMatrix): string {
  const out = [
    `${m.rows.length} metrics × ${m.families.length} symmetry families, ${m.runs} random cases per family (networks, data and symmetries from fast-check), seed \`${m.seed}\`. ` +
      'A verdict is *invariant* when no counterexample was found within the metric\'s own measured float noise; otherwise *unbounded* when a one-parameter path of the family multiplies the metric by 10⁶ or more, else *not-invariant*. ' +
      '✅ marks a verdict matching the metric\'s declared claim, ❌ a claim that failed.',
    '',
    `**Claims: ${m.claimsFailed === 0 ? 'all hold' : `${m.claimsFailed} failed`}.**`,
    '',
    `| metric | ${m.families.join(' | ')} | claims |`,
    `|---|${m.families.map(() => '---').join('|')}|---|`,
  ];
  for (const r of m.rows) {
    const claims = r.claims.ok ? (r.cells.some((c) => c.claim) ? 'ok' : '(none declared)') : `❌ failed: ${r.claims.failed.join('; ')}`;
    out.push(`| \`${r.metric}\`${r.title ? ` — ${escape(r.title)}` : ''} | ${r.cells.map(cellText).join(' | ')} | ${escape(claims)} |`);
  }
  const errors = m.rows.flatMap((r) => r.cells.filter((c) => c.error).map((c) => `- \`${r.metric}\` under ${c.family}: ${c.error}`));
  if (errors.length) out.push('', 'Errors:', '', ...errors);
  return out.join('\n');
}

export const VERDICT_COLOURS: Record<Verdict, string> = { invariant: '#4c9f70', 'not-invariant': '#e8a33d', unbounded: '#c8423b', error: '#888888' };

export function matrixSpec(m: ConformanceMatrix): VegaLiteSpec {
  const values = m.rows.flatMap((r) => r.cells.map((c) => ({ metric: r.metric, family: c.family, verdict: c.verdict, label: c.claimFailed ? `✗ ${c.verdict} (claimed ${c.claim})` : c.verdict, claim: c.claimFailed ? 'failed' : c.claim ? 'held' : 'none' })));
  const x = { field: 'family', type: 'nominal' as const, title: 'symmetry family', sort: [...m.families], axis: { labelAngle: 0, orient: 'top' as const } };
  const y = { field: 'metric', type: 'nominal' as const, title: null, sort: m.rows.map((r) => r.metric) };
  const verdicts = Object.keys(VERDICT_COLOURS) as Verdict[];
  return {
    title: { text: 'Conformance matrix: metrics × symmetry families', subtitle: `${m.runs} cases per cell, seed ${m.seed}; a black frame and ✗ mark a declared claim that failed` },
    width: 150 * m.families.length,
    height: { step: 26 },
    data: { values },
    layer: [
      { mark: { type: 'rect', stroke: 'white', strokeWidth: 2 }, encoding: { x, y, tooltip: [{ field: 'metric' }, { field: 'family' }, { field: 'label', title: 'verdict' }], color: { field: 'verdict', type: 'nominal', title: 'verdict', scale: { domain: verdicts, range: verdicts.map((v) => VERDICT_COLOURS[v]) } } } },
      { transform: [{ filter: "datum.claim === 'failed'" }], mark: { type: 'rect', fillOpacity: 0, stroke: 'black', strokeWidth: 3 }, encoding: { x, y } },
      { mark: { type: 'text', fontSize: 11 }, encoding: { x, y, text: { field: 'label' }, color: { value: 'white' } } },
    ],
    config: { legend: { orient: 'bottom' }, axis: { labelLimit: 260 } },
  } as VegaLiteSpec;
}
