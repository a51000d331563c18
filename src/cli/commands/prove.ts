/** `flatcheck prove`: the theorem suite at report-grade run counts, written to report/; or one shard of it, or a report merged from shards. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionalFlag, parseArgs, parseInteger } from '../args.js';
import { InputError, UsageError } from '../../field/errors.js';
import { DEFAULT_SEED } from '../../field/random.js';
import { assertWritable } from '../../output/atomic.js';
import { phaseLog } from '../progress.js';
import type { CommandResult } from '../command.js';
import { exitCleanlyOnSignals } from '../../output/shutdown.js';

export const PROVE_USAGE = 'flatcheck prove [--scale S] [--seed S] [--out DIR] [--json] | prove --shard i/n [--scale S] [--seed S] --out DIR | prove --merge DIR… [--out DIR] [--json]';
/** Report-grade: every property at 4× the cases `npm test` runs. */
export const DEFAULT_PROVE_SCALE = 4;

export async function proveCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['scale', 'seed', 'out', 'shard'], ['json', 'merge'], Infinity);
  const merge = args.flags.has('merge');
  if (!merge && args.positional.length) throw new UsageError(`unexpected argument "${args.positional[0]}"`);
  if (merge && args.flags.has('shard')) throw new UsageError('--shard and --merge are two steps: run each shard with --shard i/n --out DIR, then --merge DIR…');
  if (merge && (args.flags.has('scale') || args.flags.has('seed'))) throw new UsageError('--merge takes its seed and scale from the shards: drop --scale and --seed');
  exitCleanlyOnSignals();
  const scale = parseInteger(optionalFlag(args, 'scale') ?? String(DEFAULT_PROVE_SCALE), '--scale');
  if (scale < 1) throw new InputError('--scale', scale, 'a positive integer');
  const seed = parseInteger(optionalFlag(args, 'seed') ?? String(DEFAULT_SEED), '--seed');
  const shardText = optionalFlag(args, 'shard');
  if (shardText !== undefined && !args.flags.has('out')) throw new UsageError('--shard needs --out DIR (the directory its results go to)');
  const outDir = optionalFlag(args, 'out') ?? 'report';
  assertWritable(outDir, '--out', 'directory');
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  if (!existsSync(join(root, 'properties'))) throw new UsageError(`prove runs the repository's property suite, which the installed package does not ship (no ${join(root, 'properties')}): run it from a checkout, with npm ci && npm run prove`);
  // vega, TensorFlow.js and the Iris data: loaded for this verb only.
  const [{ exitCode, prove, proveShard }, { mergeShards, parseShard, readShards }, { keskarReportSection }] = await Promise.all([
    import('../../report/prove.js'), import('../../report/shards.js'), import('../../experiment/keskar.js'),
  ]);
  const log = phaseLog(process.stderr);
  if (shardText !== undefined) {
    const shard = parseShard(shardText);
    // vitest shards by file: more shards than property files would leave some empty.
    const files = readdirSync(join(root, 'properties')).filter((f) => f.endsWith('.prop.ts')).length;
    if (shard.count > files) throw new InputError('--shard', shardText, `i/n with n at most ${files}, the number of property files`);
    const result = await proveShard({ scale, seed, outDir, root, log, shard });
    const { numPassedTests: passed, numFailedTests: failed } = result.vitest;
    const stdout = args.flags.has('json') ? JSON.stringify({ ok: failed === 0, passed, failed, shard: shardText, seed, scale }) : `shard ${shardText}: ${passed} passed, ${failed} failed`;
    return { stdout, exitCode: failed === 0 ? 0 : 1 };
  }
  const shards = merge ? readShards(args.positional) : undefined;
  // The Iris experiment's short run (one pair) as the report's last section; the full run is `flatcheck experiment keskar`.
  const keskar = async () => {
    log('Keskar experiment on Iris (short run: one pair)');
    return keskarReportSection();
  };
  const report = await prove({
    scale: shards?.[0]!.scale ?? scale, seed: shards?.[0]!.seed ?? seed, outDir, root, log, extraSections: [keskar],
    ...(shards ? { shards: shards.map(({ index, count, seed: s, scale: k }) => ({ index, count, seed: s, scale: k })), runSuite: async () => mergeShards(shards, root) } : {}),
  });
  const witnesses = report.theorems.filter((t) => !t.ok).length;
  const counts = { passed: report.passed, failed: report.failed, theoremsFailing: witnesses, claimsFailed: report.conformance.claimsFailed, layeredRowsFailed: report.layered.failed };
  const stdout = args.flags.has('json')
    ? JSON.stringify({ ok: report.ok, ...counts, seed: report.seed, scale: report.runScale, ...(shards ? { shards: shards.length } : {}) })
    : `${report.passed} passed, ${report.failed} failed; ${witnesses} theorem sections failing; ${report.conformance.claimsFailed} metric claims failed; ${report.layered.failed} layered rows failed`;
  return { stdout, exitCode: exitCode(report) };
}
