/** `flatcheck prove`: the theorem suite at report-grade run counts, written to report/. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionalFlag, parseArgs, parseInteger } from '../args.js';
import { InputError, UsageError } from '../../field/errors.js';
import { DEFAULT_SEED } from '../../field/random.js';
import { assertWritable } from '../../output/atomic.js';
import type { CommandResult } from '../command.js';
import { exitCleanlyOnSignals } from '../../output/shutdown.js';

export const PROVE_USAGE = 'flatcheck prove [--scale S] [--seed S] [--out DIR] [--json]';
/** Report-grade: every property at 4× the cases `npm test` runs. */
export const DEFAULT_PROVE_SCALE = 4;

export async function proveCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['scale', 'seed', 'out'], ['json']);
  exitCleanlyOnSignals();
  const scale = parseInteger(optionalFlag(args, 'scale') ?? String(DEFAULT_PROVE_SCALE), '--scale');
  if (scale < 1) throw new InputError('--scale', scale, 'a positive integer');
  const seed = parseInteger(optionalFlag(args, 'seed') ?? String(DEFAULT_SEED), '--seed');
  const outDir = optionalFlag(args, 'out') ?? 'report';
  assertWritable(outDir, '--out', 'directory');
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  if (!existsSync(join(root, 'properties'))) throw new UsageError(`prove runs the repository's property suite, which the installed package does not ship (no ${join(root, 'properties')}): run it from a checkout, with npm ci && npm run prove`);
  // vega, TensorFlow.js and the Iris data: loaded for this verb only.
  const [{ exitCode, prove }, { keskarReportSection }] = await Promise.all([import('../../report/prove.js'), import('../../experiment/keskar.js')]);
  const log = (l: string) => process.stderr.write(`${l}\n`);
  // The Iris experiment's short run (one pair) as the report's last section; the full run is `flatcheck experiment keskar`.
  const keskar = async () => {
    log('Keskar experiment on Iris (short run: one pair)');
    return keskarReportSection();
  };
  const report = await prove({ scale, seed, outDir, root, log, extraSections: [keskar] });
  const witnesses = report.theorems.filter((t) => !t.ok).length;
  const counts = { passed: report.passed, failed: report.failed, theoremsFailing: witnesses, claimsFailed: report.conformance.claimsFailed };
  const stdout = args.flags.has('json')
    ? JSON.stringify({ ok: report.ok, ...counts, seed, scale })
    : `${report.passed} passed, ${report.failed} failed; ${witnesses} theorem sections failing; ${report.conformance.claimsFailed} metric claims failed`;
  return { stdout, exitCode: exitCode(report) };
}
