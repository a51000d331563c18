/**
 * `flatcheck check MODULE`: the conformance battery on a user's metric (the
 * default export of a .js, .mjs or .ts file). Exit 0 when every declared
 * claim holds, 1 when one fails, 2 for usage or load errors.
 * `flatcheck metrics`: the registry, with each metric's claims.
 */
import { InputError, UsageError } from '../../field/errors.js';
import { DEFAULT_SEED } from '../../field/random.js';
import { checkExecMetric, checkMetric, checkMetricPath, DEFAULT_TIME_LIMIT_MS, FAMILIES_CHECKED, loadRegistry, type BatteryReport, type ExecClaims, type Family, type FamilyReport } from '../../metrics/index.js';
import { ARCHITECTURES, type ArchitectureName as Architecture } from '../../network/random.js';
import { ARCHITECTURE_FAMILIES } from '../../symmetry/architecture.js';
import { optionalFlag, parseArgs, parseInteger } from '../args.js';
import { assertWritable, writeFileAtomic } from '../../output/atomic.js';
import { progressBar } from '../progress.js';
import { MetricLog, type LogLine } from '../../metrics/log.js';
import type { CommandResult } from '../command.js';
import { exitCleanlyOnSignals } from '../../output/shutdown.js';

export const CHECK_USAGE = 'flatcheck check MODULE [--architectures mlp,cnn,resnet] [--families layer-scale,neuron-scale,permutation,…] [--runs N] [--seed S] [--time-limit MS] [--json] [--junit FILE] [--verbose]\n       flatcheck check --exec \'CMD ARG…\' [--jobs N] [--id NAME] [--claims \'{"invariant":[…],"unbounded":[…]}\'] [the same options]';
/** setTimeout's limit (2^31 − 1 ms): a longer delay fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const METRICS_USAGE = 'flatcheck metrics [--json]';

/** Every verdict of a report: per architecture when it has several, else the MLP's. */
function verdicts(report: BatteryReport): { architecture: Architecture; family: string; r: FamilyReport }[] {
  const by = report.architectures ?? { mlp: report.families };
  return Object.entries(by).flatMap(([architecture, families]) => Object.entries(families ?? {}).map(([family, r]) => ({ architecture: architecture as Architecture, family, r })));
}

function junit(report: BatteryReport): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  const cases = verdicts(report).map(({ architecture, family, r }) => {
    const name = report.architectures ? `${architecture} ${family}` : family;
    const claimFailure = report.claims.failed.find((f) => f.includes(family) && (!report.architectures || f.endsWith(`on ${architecture} (verdict: ${r.verdict})`)));
    const body = claimFailure ? `<failure message="${esc(claimFailure)}">${esc(JSON.stringify(r.counterexample ?? r.error ?? ''))}</failure>` : '';
    return `    <testcase classname="${esc(report.metric)}" name="${esc(`${name}: ${r.verdict}`)}">${body}</testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="flatcheck ${esc(report.metric)}" tests="${cases.length}" failures="${report.claims.failed.length}">\n${cases.join('\n')}\n</testsuite>\n`;
}

/** --claims '{"invariant":[…],"unbounded":[…]}': families named, each list optional. */
function parseClaims(text: string): ExecClaims {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError('--claims', text, 'a JSON object {"invariant": [families], "unbounded": [families]}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InputError('--claims', text, 'a JSON object {"invariant": [families], "unbounded": [families]}');
  const record = parsed as Record<string, unknown>;
  for (const key of Object.keys(record)) if (key !== 'invariant' && key !== 'unbounded') throw new InputError(`--claims.${key}`, record[key], 'only "invariant" and "unbounded"');
  const list = (key: 'invariant' | 'unbounded'): Family[] => {
    const value = record[key] ?? [];
    if (!Array.isArray(value)) throw new InputError(`--claims.${key}`, value, 'an array of families');
    return value.map((f, i) => {
      if (!ARCHITECTURE_FAMILIES.includes(f as Family)) throw new InputError(`--claims.${key}[${i}]`, f, ARCHITECTURE_FAMILIES.map((x) => `"${x}"`).join(', '));
      return f as Family;
    });
  };
  return { invariant: list('invariant'), unbounded: list('unbounded') };
}

export async function checkCommand(argv: string[]): Promise<CommandResult> {
  exitCleanlyOnSignals();
  const args = parseArgs(argv, ['families', 'architectures', 'runs', 'seed', 'time-limit', 'junit', 'exec', 'jobs', 'id', 'claims'], ['json', 'verbose'], 1);
  const command = optionalFlag(args, 'exec');
  if (command === undefined) {
    for (const flag of ['jobs', 'id', 'claims']) if (args.flags.has(flag)) throw new UsageError(`--${flag} applies to --exec only`);
    if (args.positional.length !== 1) throw new UsageError('expected exactly one MODULE, or --exec \'CMD ARG…\'');
    checkMetricPath(args.positional[0]!);
  } else if (args.positional.length > 0) {
    throw new UsageError(`unexpected argument "${args.positional[0]}": with --exec, the metric is the command, and no MODULE is given`);
  }
  const architecturesText = optionalFlag(args, 'architectures');
  const architectures = (architecturesText ?? 'mlp').split(',').map((a, i) => {
    if (!ARCHITECTURES.includes(a as Architecture)) throw new InputError(`--architectures[${i}]`, a, ARCHITECTURES.map((x) => `"${x}"`).join(', '));
    return a as Architecture;
  });
  const familiesText = optionalFlag(args, 'families');
  const families = familiesText?.split(',').map((f, i) => {
    const known = architectures.flatMap((a) => FAMILIES_CHECKED[a]);
    if (!known.includes(f as Family)) throw new InputError(`--families[${i}]`, f, `a family of ${architectures.join(', ')}: ${[...new Set(known)].map((x) => `"${x}"`).join(', ')}`);
    return f as Family;
  });
  const runs = parseInteger(optionalFlag(args, 'runs') ?? '30', '--runs');
  if (runs < 1) throw new InputError('--runs', runs, 'a positive integer');
  const seed = parseInteger(optionalFlag(args, 'seed') ?? String(DEFAULT_SEED), '--seed');
  const timeLimitMs = parseInteger(optionalFlag(args, 'time-limit') ?? String(DEFAULT_TIME_LIMIT_MS), '--time-limit');
  if (timeLimitMs < 1 || timeLimitMs > MAX_TIMER_MS) throw new InputError('--time-limit', timeLimitMs, `a number of milliseconds from 1 to ${MAX_TIMER_MS} (the longest timer Node has)`);
  const jobs = parseInteger(optionalFlag(args, 'jobs') ?? '1', '--jobs');
  if (jobs < 1 || jobs > 64) throw new InputError('--jobs', jobs, 'a number of processes from 1 to 64');
  const claimsText = optionalFlag(args, 'claims');
  const claims = claimsText === undefined ? undefined : parseClaims(claimsText);
  const id = optionalFlag(args, 'id');
  const junitPath = optionalFlag(args, 'junit');
  if (junitPath !== undefined) assertWritable(junitPath, '--junit', 'file');
  const bar = progressBar(process.stderr);
  const battery = { ...(families && { families }), architectures, runs, seed, timeLimitMs, ...(bar ? { onProgress: bar.update } : {}) };
  let report: BatteryReport;
  let log: { lines: readonly LogLine[]; dropped: number } | undefined;
  try {
    if (command === undefined) {
      // Imported and evaluated only in a worker thread: a module that exits or hangs, even while loading, gets its verdict.
      // Its prints are kept as its log, as a metric program's are.
      const moduleLog = new MetricLog();
      report = await checkMetric(args.positional[0]!, { ...battery, onOutput: moduleLog.keep });
      log = moduleLog;
    } else {
      ({ report, log } = await checkExecMetric(command, { ...battery, jobs, ...(id !== undefined ? { id } : {}), ...(claims ? { claims } : {}) }));
    }
  } finally {
    bar?.clear();
  }
  // The metric's own prints never reach stdout: with --verbose they go to stderr after the run, and after an
  // error verdict its last lines do even without it.
  const errorVerdict = verdicts(report).some(({ r }) => r.verdict === 'error');
  const shown = !log ? [] : args.flags.has('verbose') ? log.lines : errorVerdict ? log.lines.slice(-20) : [];
  const stderr = shown.length > 0 ? [...(log!.dropped > 0 || shown.length < log!.lines.length ? [`[metric log: ${log!.dropped + log!.lines.length - shown.length} earlier lines not shown${args.flags.has('verbose') ? '' : '; --verbose shows them'}]`] : []), ...shown.map((l) => `[metric ${l.stream}] ${l.text}`)].join('\n') : undefined;
  if (junitPath !== undefined) writeFileAtomic(junitPath, junit(report), '--junit');
  // An error verdict is never a pass: the battery could not check that family, claimed or not.
  const errors = verdicts(report).filter(({ r }) => r.verdict === 'error').map(({ architecture, family }) => (report.architectures ? `${architecture} ${family}` : family));
  const exitCode = report.claims.ok && errors.length === 0 ? 0 : 1;
  if (args.flags.has('json')) return { stdout: JSON.stringify(report), exitCode, ...(stderr ? { stderr } : {}) };
  const lines = [`${report.metric}${report.title ? ` — ${report.title}` : ''}`];
  let shownArchitecture: string | undefined;
  for (const { architecture, family, r } of verdicts(report)) {
    if (report.architectures && architecture !== shownArchitecture) lines.push(`  ${(shownArchitecture = architecture)}:`);
    lines.push(`  ${report.architectures ? '  ' : ''}${family.padEnd(report.architectures ? 16 : 13)} ${r.verdict}${r.counterexample ? `: ${r.counterexample.before} → ${r.counterexample.after} under ${r.counterexample.symmetry}` : ''}${r.error ? `: ${r.error}` : ''}${r.leftTensors ? ` (the metric left ${r.leftTensors} tensors undisposed; flatcheck disposed them)` : ''}`);
    // Every failing verdict says how to replay it.
    if (r.verdict !== 'invariant' && r.verdict !== 'unbounded') lines.push(`    seed ${r.seed}; replay: flatcheck check ${command === undefined ? args.positional[0] : `--exec '${command}'`}${report.architectures ? ` --architectures ${architecture}` : ''} --families ${family} --runs ${runs} --seed ${seed}`);
  }
  lines.push(report.claims.ok ? '  claims: all hold' : `  claims failed: ${report.claims.failed.join('; ')}`);
  if (errors.length > 0) lines.push(`  not checked (error): ${errors.join(', ')}: exit 1`);
  if (report.notApplicable) lines.push(`  not applicable: the metric takes ${report.notApplicable.length > 1 ? 'none of' : 'no'} ${report.notApplicable.join(', ')} networks (its architectures)`);
  return { stdout: lines.join('\n'), exitCode, ...(stderr ? { stderr } : {}) };
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
