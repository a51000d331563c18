/**
 * The main job: run the theorem suite (properties/) at report-grade run
 * counts with one recorded seed, then — in process — the theorem sections
 * with their exactly re-checked sample witnesses (theorems.ts, sections.ts), the
 * conformance matrix of every registered metric (conformance.ts) and the
 * figures (figures.ts), and write a readable proof report; the verdicts on conv
 * and residual networks come from the suite's own results (layered.ts). The report
 * directory is replaced whole or not at all.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { killProcessGroup, onSignalExit } from '../output/shutdown.js';
import { loadRegistry, type Metric } from '../metrics/index.js';
import { writeDirectoryAtomic } from '../output/atomic.js';
import { renderSvg } from '../output/charts.js';
import { anchor, escapeCell } from '../output/markdown.js';
import { conformanceMatrix, matrixMarkdown, matrixSpec } from './conformance.js';
import { curvatureFigure, curvatureSpec, figure5Figure, figure5Spec, figureMinimum, sharpnessFigure, sharpnessSpec } from './figures.js';
import { renderHtml } from './html.js';
import { LAYERED_THEORY, layeredConformance, layeredMarkdown } from './layered.js';
import { casesText, theoremMarkdown, theoremSections, type TheoremSection } from './sections.js';
import { THEOREMS, type TheoremEntry } from './theorems.js';
import type { ExtraSection, FigureData, ProofReport } from './report.js';
import { shardResult, writeShard, type ShardResult } from './shards.js';
import { summarise, type ProofSummary, type ShardInfo, type VitestJson } from './summary.js';

export type { ExtraSection, FigureData, ProofReport } from './report.js';

export interface ProveOptions {
  /** Every property's default case count is multiplied by this. */
  scale: number;
  seed: number;
  outDir: string;
  /** Root of the flatcheck checkout (where properties/ lives). */
  root: string;
  log?: (line: string) => void;
  /** Runs the property suite and returns vitest's JSON report (default: `vitest run properties` as a subprocess). */
  runSuite?: (opts: ProveOptions, jsonPath: string, signal: AbortSignal) => Promise<VitestJson>;
  /** The metrics of the conformance matrix (default: the registry, read at run time). */
  metrics?: () => Promise<Metric[]>;
  /** Cases per family in the conformance matrix (default: 30 × scale/4, at least 10). */
  conformanceRuns?: number;
  /** The theorem table (default: THEOREMS). */
  theorems?: readonly TheoremEntry[];
  /** The α grid of the curvature and sharpness figures (default: 2^-8 … 2^8, half-octave and octave steps). */
  figureAlphas?: number[];
  /** Extra sections, appended after the built-in ones. */
  extraSections?: (() => Promise<ExtraSection>)[];
  /** What vitest runs (default: every file under properties/). */
  filters?: string[];
  /** The shards the suite's results were merged from (`runSuite` returns their joined results): recorded in the report. */
  shards?: ShardInfo[];
}

/** `vitest run properties` in a subprocess (its own worker threads), reporting JSON to `jsonPath`; one shard of it with `shard`. */
export function runVitest(opts: ProveOptions, jsonPath: string, signal?: AbortSignal, shard?: { index: number; count: number }): Promise<VitestJson> {
  // vitest's package.json exports no path to its bin: resolve the package root, then its declared bin.
  const packageJson = createRequire(import.meta.url).resolve('vitest/package.json');
  const vitest = join(dirname(packageJson), (JSON.parse(readFileSync(packageJson, 'utf8')) as { bin: { vitest: string } }).bin.vitest);
  return new Promise((done, fail) => {
    const args = [vitest, 'run', ...(opts.filters ?? ['properties']), '--coverage.enabled=false', ...(shard ? [`--shard=${shard.index}/${shard.count}`] : [])];
    const child = spawn(process.execPath, args, {
      cwd: opts.root,
      env: { ...process.env, FLATCHECK_RUNS_SCALE: String(opts.scale), FLATCHECK_SEED: String(opts.seed), FLATCHECK_VITEST_JSON: jsonPath },
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group, so that stopping it stops vitest's worker processes too.
      detached: true,
    });
    const stop = () => killProcessGroup(child.pid);
    const forget = onSignalExit(stop);
    signal?.addEventListener('abort', stop);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-20_000)));
    child.on('error', fail);
    child.on('close', (status) => {
      forget();
      signal?.removeEventListener('abort', stop);
      if (!existsSync(jsonPath)) return fail(new Error(`the property suite did not report (exit ${status}):\n${stderr}`));
      const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as VitestJson;
      // A run that failed with no failing test or file (vitest's own error, an unhandled error) or ran nothing is no pass.
      const explained = json.numFailedTests > 0 || json.testResults.some((f) => f.status === 'failed');
      if ((json.success === false && !explained) || json.testResults.length === 0) fail(new Error(`the property suite did not run cleanly (exit ${status}, ${json.testResults.length} files):\n${stderr}`));
      else done(json);
    });
  });
}

const FIGURE_FILES = { curvature: 'figures/curvature.svg', sharpness: 'figures/sharpness.svg', figure5: 'figures/figure5.svg', conformance: 'figures/conformance.svg' } as const;

/** The appendix: every property file, statement and check, with its case count. */
function checksMarkdown(s: ProofSummary): string[] {
  const out: string[] = [];
  for (const f of s.files) {
    out.push(`### \`${f.file}\``, '', `*Source:* ${f.source}`, '');
    for (const c of f.claims) {
      out.push(`#### ${c.statement}`, '', '| check | cases | result | time |', '|---|---|---|---|');
      for (const k of c.checks) {
        const cases = casesText(k.cases);
        out.push(`| ${escapeCell(k.title)} | ${cases} | ${k.status === 'passed' ? '✅ passed' : `❌ ${k.status}`} | ${(k.durationMs / 1000).toFixed(2)} s |`);
      }
      for (const k of c.checks.filter((k) => k.failure)) out.push('', `<details><summary>${k.title}: failure</summary>`, '', '```', k.failure!, '```', '</details>');
      out.push('');
    }
  }
  return out;
}

export const LAYERED_TITLE = 'Conformance on conv and residual networks';

/** `theoryHref`: docs/theory.md's layered known answers, relative to where index.md is written. */
export function renderMarkdown(r: ProofReport, extra: readonly ExtraSection[] = [], theoryHref = `../${r.layered.theory}`): string {
  const witnesses = r.theorems.filter((t) => t.witness);
  const extraTitles = extra.map((e, i) => /^## (.+)$/m.exec(e.markdown)?.[1] ?? `Extra section ${i + 1}`);
  const c = r.conformance;
  const out = [
    '# flatcheck proof report',
    '',
    'Dinh, Pascanu, Bengio & Bengio, *Sharp Minima Can Generalize For Deep Nets* (ICML 2017), checked as executable properties: ' +
      'every symmetry of a rectifier network leaves the function unchanged, yet moves its Hessian norm, ε-sharpness and flat volume as far as we like.',
    '',
    `- **Verdict: ${r.ok ? '✅ everything holds' : '❌ something failed (see below)'}**`,
    `- Seed: \`${r.seed}\` (replay the suite with \`FLATCHECK_SEED=${r.seed} FLATCHECK_RUNS_SCALE=${r.runScale} npx vitest run properties\`, the whole report with \`npx flatcheck prove --seed ${r.seed} --scale ${r.runScale}\`)`,
    ...(r.shards ? [`- Merged from ${r.shards.length} shards: ${r.shards.map((h) => `${h.index}/${h.count} (seed ${h.seed}, scale ${h.scale}×)`).join(', ')}`] : []),
    `- Property checks: **${r.passed} passed, ${r.failed} failed**, at ${r.runScale}× each property's default case count (\`npm test\` runs 1×)`,
    `- Sample witnesses re-checked exactly: **${witnesses.filter((t) => t.witness!.certified).length} of ${r.theorems.filter((t) => THEOREM_HAS_WITNESS(t)).length} certified**`,
    `- Conformance matrix: ${c.rows.length} metrics × ${c.families.length} families, ${c.runs} cases per cell: **${c.claimsFailed === 0 ? 'every declared claim holds' : `${c.claimsFailed} declared claims failed`}**`,
    `- Conv and residual networks: ${r.layered.matrices.map((m) => `${m.rows.length} metrics × ${m.families.length} families on ${m.architecture}`).join(', ')}: **${r.layered.failed === 0 ? 'every verdict matches its known answer' : `${r.layered.failed} rows failed`}**`,
    '',
    '## Contents',
    '',
    '1. [Theorems](#theorems)',
    ...r.theorems.map((t) => `   - [${t.title}](#${anchor(t.title)}) ${t.ok ? '✅' : '❌'}`),
    '2. [Figures](#figures)',
    '3. [Conformance matrix](#conformance-matrix)',
    `4. [${LAYERED_TITLE}](#${anchor(LAYERED_TITLE)})`,
    ...extraTitles.map((t, i) => `${5 + i}. [${t}](#${anchor(t)})`),
    `${5 + extra.length}. [Appendix: every property check](#appendix-every-property-check)`,
    '',
    '## Theorems',
    '',
    'Each result: its statement, its source, the property checks that cover it (with the fast-check cases they ran), and a sample witness computed on a small seeded network and re-checked from scratch in exact rational arithmetic.',
    '',
    ...r.theorems.map((t) => theoremMarkdown(t, r.runScale)),
    '## Figures',
    '',
    `Drawn at a seeded teacher–student minimum (L = 0 and ∇L = 0 exactly): ${r.figures.data.curvature.network}. The plotted numbers are in \`summary.json\` under \`figures.data\`.`,
    '',
    '### The Hessian against α (Theorems 3–4)',
    '',
    'T_α θ = (α·W₁, W₂/α) computes the same function for every α > 0. Its Hessian H\' = D⁻¹HD⁻¹ scales the second layer\'s block by α² and the first\'s by α⁻²: on log–log axes the spectral norm and the trace follow slopes +2 and −2 (dashed: the asymptotes α²·|||H₂₂|||₂ and α⁻²·|||H₁₁|||₂ from the Hessian at α = 1).',
    '',
    `![Hessian spectral norm and trace against α](${FIGURE_FILES.curvature})`,
    '',
    '### ε-sharpness against α (Section 4.3)',
    '',
    `ε = ${r.figures.data.sharpness.epsilon}: the ball's ε-sharpness follows |||∇²L|||₂ε²/2(1+L) (dashed) and grows as α^±2; Keskar's box (×100, half-widths ε(|θ_i| + 1)) grows in both directions too. Every value is a lower bound: the loss at a feasible point found by projected gradient ascent.`,
    '',
    `![ε-sharpness against α](${FIGURE_FILES.sharpness})`,
    '',
    '### One minimum in two parametrisations (the paper\'s Figure 5)',
    '',
    `The loss along the top Hessian eigenvector v through the minimum θ*, plotted against t (θ = θ* + t·v) and against the coordinate of η = g⁻¹(θ) along v for two maps of the paper's Figure 5 form. Every point is the same loss value at the same network; only the coordinate changes. Curvature at the minimum along v: ${r.figures.data.figure5.curvature.toPrecision(4)} in θ, ${r.figures.data.figure5.maps.map((m) => `${m.curvature.toPrecision(4)} (${m.name})`).join(', ')} — b^(−2a) times the θ value.`,
    '',
    `![The same loss in θ and in two η parametrisations](${FIGURE_FILES.figure5})`,
    '',
    '## Conformance matrix',
    '',
    matrixMarkdown(c),
    '',
    `![Conformance matrix heat map](${FIGURE_FILES.conformance})`,
    '',
    `## ${LAYERED_TITLE}`,
    '',
    layeredMarkdown(r.layered, theoryHref),
    '',
    ...extra.map((e) => `${e.markdown.trim()}\n`),
    '## Appendix: every property check',
    '',
    ...checksMarkdown(r),
  ];
  return out.join('\n');
}

const THEOREM_HAS_WITNESS = (t: TheoremSection) => t.witness !== undefined || t.witnessError !== undefined;

/** 0 when the report holds (every check, witness and claim), 1 otherwise: the CLI's exit code. */
export function exitCode(report: Pick<ProofReport, 'ok'>): number {
  return report.ok ? 0 : 1;
}

/** One shard of the theorem suite (`flatcheck prove --shard i/n --out DIR`): its results, written to DIR/shard.json whole or not at all. */
export async function proveShard(opts: ProveOptions & { shard: { index: number; count: number } }): Promise<ShardResult> {
  const log = opts.log ?? (() => {});
  const work = join(tmpdir(), `flatcheck-prove-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    log(`running shard ${opts.shard.index}/${opts.shard.count} of the theorem suite: ${opts.scale}× the default cases, seed ${opts.seed}`);
    const json = await (opts.runSuite ?? ((o, path, signal) => runVitest(o, path, signal, opts.shard)))(opts, join(work, 'vitest.json'), new AbortController().signal);
    const shard = shardResult({ ...opts.shard, seed: opts.seed, scale: opts.scale }, json, opts.root);
    writeShard(opts.outDir, shard, 'outDir');
    log(`wrote ${join(opts.outDir, 'shard.json')}: ${json.numPassedTests} passed, ${json.numFailedTests} failed in ${json.testResults.length} files`);
    return shard;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function prove(opts: ProveOptions): Promise<ProofReport> {
  const log = opts.log ?? (() => {});
  const work = join(tmpdir(), `flatcheck-prove-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const forgetWork = onSignalExit(() => rmSync(work, { recursive: true, force: true }));
  // If a step here throws, the suite's subprocess is stopped rather than left running.
  const stopSuite = new AbortController();
  try {
    if (opts.shards) log(`merging the theorem suite's results from ${opts.shards.length} shards`);
    else log(`running the theorem suite: ${readdirSync(join(opts.root, 'properties')).filter((f) => f.endsWith('.prop.ts')).length} files, ${opts.scale}× the default cases, seed ${opts.seed}`);
    // The suite runs in a subprocess (its own worker threads) while the matrix and figures are computed here.
    const suite = (opts.runSuite ?? runVitest)(opts, join(work, 'vitest.json'), stopSuite.signal);
    suite.catch(() => {}); // awaited below; this only keeps an early rejection from being reported as unhandled
    const metrics = await (opts.metrics ?? loadRegistry)();
    const runs = opts.conformanceRuns ?? Math.max(10, Math.round((30 * opts.scale) / 4));
    log(`conformance matrix: ${metrics.length} metrics × 3 families, ${runs} cases each`);
    const conformance = await conformanceMatrix(metrics, { runs, seed: opts.seed, log });
    log('figures: curvature and ε-sharpness against α, Figure 5');
    const minimum = figureMinimum(opts.seed);
    const data: FigureData = {
      curvature: curvatureFigure(minimum, opts.figureAlphas),
      sharpness: sharpnessFigure(minimum, undefined, opts.figureAlphas),
      figure5: figure5Figure(minimum),
    };
    const svgs = {
      curvature: await renderSvg(curvatureSpec(data.curvature)),
      sharpness: await renderSvg(sharpnessSpec(data.sharpness)),
      figure5: await renderSvg(figure5Spec(data.figure5)),
      conformance: await renderSvg(matrixSpec(conformance)),
    };
    const extra: ExtraSection[] = [];
    for (const section of opts.extraSections ?? []) extra.push(await section());
    const suiteJson = await suite;
    const summary = summarise(suiteJson, opts);
    log('theorem sections: sample witnesses, re-checked exactly');
    const theorems = theoremSections(summary, opts.theorems ?? THEOREMS);
    const layered = layeredConformance(suiteJson, metrics, conformance, opts.root);
    const ok = summary.failed === 0 && theorems.every((t) => t.ok) && conformance.claimsFailed === 0 && layered.failed === 0 && extra.every((e) => e.ok);
    const report: ProofReport = { ...summary, ok, theorems, conformance, layered, figures: { files: { ...FIGURE_FILES }, data }, extra: extra.map((e) => e.json) };
    const figures: Record<string, string> = {};
    for (const [name, svg] of Object.entries(svgs)) figures[FIGURE_FILES[name as keyof typeof svgs]] = svg;
    for (const e of extra) for (const f of e.figures) figures[`figures/${f.name}`] = f.svg;
    const files: Record<string, string> = {
      // index.md links docs/theory.md relative to where it is written (the report directory is swapped in beside outDir).
      'index.md': renderMarkdown(report, extra, `${relative(resolve(opts.outDir), join(opts.root, LAYERED_THEORY.path))}#${LAYERED_THEORY.anchor}`),
      // The same report as one self-contained page: the figures inlined, nothing to fetch.
      'index.html': renderHtml(report, extra, figures),
      'summary.json': `${JSON.stringify(report, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
      ...figures,
    };
    writeDirectoryAtomic(opts.outDir, files, 'outDir');
    log(`wrote ${join(opts.outDir, 'index.md')} and index.html: ${summary.passed} passed, ${summary.failed} failed; witnesses ${theorems.every((t) => t.ok) ? 'certified' : 'NOT all certified'}; claims ${conformance.claimsFailed === 0 ? 'hold' : `${conformance.claimsFailed} failed`}; layered verdicts ${layered.failed === 0 ? 'match' : `${layered.failed} rows failed`}`);
    return report;
  } finally {
    stopSuite.abort();
    rmSync(work, { recursive: true, force: true });
    forgetWork();
  }
}
