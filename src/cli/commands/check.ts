/**
 * `flatcheck check MODULE`: the conformance battery on a user's metric (the
 * default export of a .js, .mjs or .ts file). Exit 0 when every declared
 * claim holds, 1 when one fails, 2 for usage or load errors.
 * `flatcheck metrics`: the registry, with each metric's claims.
 */
import { InputError, UsageError } from '../../field/errors.js';
import { DEFAULT_SEED } from '../../field/random.js';
import { checkMetric, checkMetricPath, DEFAULT_TIME_LIMIT_MS, FAMILIES, loadRegistry, type BatteryReport, type Family } from '../../metrics/index.js';
import { optionalFlag, parseArgs, parseInteger } from '../args.js';
import { assertWritable, writeFileAtomic } from '../../output/atomic.js';
import { progressBar } from '../progress.js';
import type { CommandResult } from '../command.js';

export const CHECK_USAGE = 'flatcheck check MODULE [--families layer-scale,neuron-scale,permutation] [--runs N] [--seed S] [--time-limit MS] [--json] [--junit FILE]';
/** setTimeout's limit (2^31 − 1 ms): a longer delay fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const METRICS_USAGE = 'flatcheck metrics [--json]';

function junit(report: BatteryReport): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  const cases = Object.entries(report.families).map(([family, r]) => {
    const claimFailure = report.claims.failed.find((f) => f.includes(family));
    const body = claimFailure ? `<failure message="${esc(claimFailure)}">${esc(JSON.stringify(r.counterexample ?? r.error ?? ''))}</failure>` : '';
    return `    <testcase classname="${esc(report.metric)}" name="${esc(`${family}: ${r.verdict}`)}">${body}</testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="flatcheck ${esc(report.metric)}" tests="${cases.length}" failures="${report.claims.failed.length}">\n${cases.join('\n')}\n</testsuite>\n`;
}

export async function checkCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['families', 'runs', 'seed', 'time-limit', 'junit'], ['json'], 1);
  if (args.positional.length !== 1) throw new UsageError('expected exactly one MODULE');
  const module = args.positional[0]!;
  checkMetricPath(module);
  const familiesText = optionalFlag(args, 'families');
  const families = familiesText === undefined ? FAMILIES : familiesText.split(',').map((f, i) => {
    if (!FAMILIES.includes(f as Family)) throw new InputError(`--families[${i}]`, f, FAMILIES.map((x) => `"${x}"`).join(', '));
    return f as Family;
  });
  const runs = parseInteger(optionalFlag(args, 'runs') ?? '30', '--runs');
  if (runs < 1) throw new InputError('--runs', runs, 'a positive integer');
  const seed = parseInteger(optionalFlag(args, 'seed') ?? String(DEFAULT_SEED), '--seed');
  const timeLimitMs = parseInteger(optionalFlag(args, 'time-limit') ?? String(DEFAULT_TIME_LIMIT_MS), '--time-limit');
  if (timeLimitMs < 1 || timeLimitMs > MAX_TIMER_MS) throw new InputError('--time-limit', timeLimitMs, `a number of milliseconds from 1 to ${MAX_TIMER_MS} (the longest timer Node has)`);
  const junitPath = optionalFlag(args, 'junit');
  if (junitPath !== undefined) assertWritable(junitPath, '--junit', 'file');
  const bar = progressBar(process.stderr);
  // Imported and evaluated only in a worker thread: a module that exits or hangs, even while loading, gets its verdict.
  const report = await checkMetric(module, { families, runs, seed, timeLimitMs, ...(bar ? { onProgress: bar.update } : {}) }).finally(() => bar?.clear());
  if (junitPath !== undefined) writeFileAtomic(junitPath, junit(report), '--junit');
  const exitCode = report.claims.ok ? 0 : 1;
  if (args.flags.has('json')) return { stdout: JSON.stringify(report), exitCode };
  const lines = [`${report.metric}${report.title ? ` — ${report.title}` : ''}`];
  for (const [family, r] of Object.entries(report.families)) {
    lines.push(`  ${family.padEnd(13)} ${r.verdict}${r.counterexample ? `: ${r.counterexample.before} → ${r.counterexample.after} under ${r.counterexample.symmetry}` : ''}${r.error ? `: ${r.error}` : ''}`);
  }
  lines.push(report.claims.ok ? '  claims: all hold' : `  claims failed: ${report.claims.failed.join('; ')}`);
  return { stdout: lines.join('\n'), exitCode };
}

export async function metricsCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, [], ['json']);
  const registry = await loadRegistry();
  if (args.flags.has('json')) return { stdout: JSON.stringify(registry.map(({ id, title, reference, claims }) => ({ id, title, reference, claims }))) };
  return {
    stdout: registry
      .map((m) => `${m.id.padEnd(30)} invariant: ${(m.claims?.invariant ?? []).join(', ') || '—'}; unbounded: ${(m.claims?.unbounded ?? []).join(', ') || '—'}`)
      .join('\n'),
  };
}
