/**
 * The main job: run the theorem suite (properties/) at report-grade run
 * counts with one recorded seed, and write a readable proof report. The
 * report directory is replaced whole or not at all.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { tmpdir } from 'node:os';

export interface ProveOptions {
  /** Every property's default case count is multiplied by this. */
  scale: number;
  seed: number;
  outDir: string;
  /** Root of the flatcheck checkout (where properties/ lives). */
  root: string;
  log?: (line: string) => void;
}

interface VitestAssertion {
  ancestorTitles: string[];
  title: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
  duration: number | null;
  failureMessages: string[];
}
interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; assertionResults: VitestAssertion[] }[];
}

export interface ProofSummary {
  format: 'flatcheck.report/v1';
  seed: number;
  runScale: number;
  passed: number;
  failed: number;
  files: {
    file: string;
    source: string;
    claims: { statement: string; checks: { title: string; status: string; durationMs: number; failure?: string }[] }[];
  }[];
}

/** The opening comment of a property file: its source (paper, section, theorem). */
function sourceComment(path: string): string {
  const lines = readFileSync(path, 'utf8').split('\n');
  const comment: string[] = [];
  for (const line of lines) {
    if (!line.startsWith('//')) break;
    comment.push(line.replace(/^\/\/ ?/, ''));
  }
  return comment.join(' ').replace(/^Source: /, '');
}

function runSuite(opts: ProveOptions, jsonPath: string): VitestJson {
  // vitest's package.json exports no path to its bin: resolve the package root, then its declared bin.
  const packageJson = createRequire(import.meta.url).resolve('vitest/package.json');
  const vitest = join(dirname(packageJson), (JSON.parse(readFileSync(packageJson, 'utf8')) as { bin: { vitest: string } }).bin.vitest);
  const result = spawnSync(process.execPath, [vitest, 'run', 'properties', '--coverage.enabled=false'], {
    cwd: opts.root,
    env: { ...process.env, FLATCHECK_RUNS_SCALE: String(opts.scale), FLATCHECK_SEED: String(opts.seed), FLATCHECK_VITEST_JSON: jsonPath },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (!existsSync(jsonPath)) throw new Error(`the property suite did not report (exit ${result.status}):\n${result.stderr}`);
  return JSON.parse(readFileSync(jsonPath, 'utf8')) as VitestJson;
}

export function summarise(json: VitestJson, opts: Pick<ProveOptions, 'scale' | 'seed' | 'root'>): ProofSummary {
  const files = json.testResults
    .map((file) => {
      const claims = new Map<string, ProofSummary['files'][number]['claims'][number]>();
      for (const a of file.assertionResults) {
        const statement = a.ancestorTitles.join(' › ') || '(top level)';
        if (!claims.has(statement)) claims.set(statement, { statement, checks: [] });
        claims.get(statement)!.checks.push({
          title: a.title,
          status: a.status,
          durationMs: Math.round(a.duration ?? 0),
          ...(a.failureMessages.length ? { failure: a.failureMessages.join('\n').split('\n').slice(0, 12).join('\n') } : {}),
        });
      }
      return { file: relative(opts.root, file.name), source: sourceComment(file.name), claims: [...claims.values()] };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
  return { format: 'flatcheck.report/v1', seed: opts.seed, runScale: opts.scale, passed: json.numPassedTests, failed: json.numFailedTests, files };
}

export function renderMarkdown(s: ProofSummary): string {
  const out = [
    '# flatcheck proof report',
    '',
    'Dinh, Pascanu, Bengio & Bengio, *Sharp Minima Can Generalize For Deep Nets* (ICML 2017), checked as executable properties.',
    '',
    `- Seed: \`${s.seed}\` (replay any line with \`FLATCHECK_SEED=${s.seed} FLATCHECK_RUNS_SCALE=${s.runScale} npx vitest run properties\`)`,
    `- Cases per property: ${s.runScale}× each property's default count (set in its file; \`npm test\` runs 1×)`,
    `- Checks: **${s.passed} passed, ${s.failed} failed**`,
    '',
  ];
  for (const f of s.files) {
    out.push(`## \`${f.file}\``, '', `*Source:* ${f.source}`, '');
    for (const c of f.claims) {
      out.push(`### ${c.statement}`, '', '| check | result | time |', '|---|---|---|');
      for (const k of c.checks) out.push(`| ${k.title.replace(/\|/g, '\\|')} | ${k.status === 'passed' ? '✅ passed' : `❌ ${k.status}`} | ${(k.durationMs / 1000).toFixed(2)} s |`);
      for (const k of c.checks.filter((k) => k.failure)) out.push('', `<details><summary>${k.title}: failure</summary>`, '', '```', k.failure!, '```', '</details>');
      out.push('');
    }
  }
  return out.join('\n');
}

/** Replaces `dir` with the files given, whole or not at all. */
export function writeDirectoryAtomic(dir: string, files: Record<string, string>): void {
  const target = resolve(dir);
  mkdirSync(dirname(target), { recursive: true });
  const staging = `${target}.${process.pid}.staging`;
  const previous = `${target}.${process.pid}.previous`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(staging, name), text);
    if (existsSync(target)) renameSync(target, previous);
    renameSync(staging, target);
    rmSync(previous, { recursive: true, force: true });
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    if (existsSync(previous) && !existsSync(target)) renameSync(previous, target);
    throw e;
  }
}

export function prove(opts: ProveOptions): ProofSummary {
  const log = opts.log ?? (() => {});
  const work = join(tmpdir(), `flatcheck-prove-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    log(`running the theorem suite: ${readdirSync(join(opts.root, 'properties')).filter((f) => f.endsWith('.prop.ts')).length} files, ${opts.scale}× the default cases, seed ${opts.seed}`);
    const summary = summarise(runSuite(opts, join(work, 'vitest.json')), opts);
    writeDirectoryAtomic(opts.outDir, {
      'index.md': renderMarkdown(summary),
      'summary.json': `${JSON.stringify(summary, null, 2)}\n`,
    });
    log(`wrote ${join(opts.outDir, 'index.md')}: ${summary.passed} passed, ${summary.failed} failed`);
    return summary;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
