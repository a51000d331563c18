/** `flatcheck prove`: the theorem suite at report-grade run counts, written to report/. */
import { fileURLToPath } from 'node:url';
import { exitCode, prove } from '../../report/prove.js';
import { keskarReportSection } from '../../experiment/keskar.js';
import { optionalFlag, parseArgs, parseInteger } from '../args.js';
import { InputError } from '../../field/errors.js';
import { DEFAULT_SEED } from '../../field/random.js';
import type { CommandResult } from '../command.js';

export const PROVE_USAGE = 'flatcheck prove [--scale S] [--seed S] [--out DIR] [--json]';
/** Report-grade: every property at 4× the cases `npm test` runs. */
export const DEFAULT_PROVE_SCALE = 4;

export async function proveCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['scale', 'seed', 'out'], ['json']);
  const scale = parseInteger(optionalFlag(args, 'scale') ?? String(DEFAULT_PROVE_SCALE), '--scale');
  if (scale < 1) throw new InputError('--scale', scale, 'a positive integer');
  const seed = parseInteger(optionalFlag(args, 'seed') ?? String(DEFAULT_SEED), '--seed');
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const log = (l: string) => process.stderr.write(`${l}\n`);
  // The Iris experiment's short run (one pair) as the report's last section; the full run is `flatcheck experiment keskar`.
  const keskar = async () => {
    log('Keskar experiment on Iris (short run: one pair)');
    return keskarReportSection();
  };
  const report = await prove({ scale, seed, outDir: optionalFlag(args, 'out') ?? 'report', root, log, extraSections: [keskar] });
  const witnesses = report.theorems.filter((t) => !t.ok).length;
  const counts = { passed: report.passed, failed: report.failed, theoremsFailing: witnesses, claimsFailed: report.conformance.claimsFailed };
  const stdout = args.flags.has('json')
    ? JSON.stringify({ ok: report.ok, ...counts, seed, scale })
    : `${report.passed} passed, ${report.failed} failed; ${witnesses} theorem sections failing; ${report.conformance.claimsFailed} metric claims failed`;
  return { stdout, exitCode: exitCode(report) };
}
