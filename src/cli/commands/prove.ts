/** `flatcheck prove`: the theorem suite at report-grade run counts, written to report/. */
import { fileURLToPath } from 'node:url';
import { prove } from '../../report/prove.js';
import { optionalFlag, parseArgs, parseInteger } from '../args.js';
import { InputError } from '../../field/errors.js';
import type { CommandResult } from '../main.js';

export const PROVE_USAGE = 'flatcheck prove [--scale S] [--seed S] [--out DIR] [--json]';
export const DEFAULT_PROVE_SEED = 20170315;
/** Report-grade: every property at 4× the cases `npm test` runs. */
export const DEFAULT_PROVE_SCALE = 4;

export async function proveCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['scale', 'seed', 'out'], ['json']);
  const scale = parseInteger(optionalFlag(args, 'scale') ?? String(DEFAULT_PROVE_SCALE), '--scale');
  if (scale < 1) throw new InputError('--scale', scale, 'a positive integer');
  const seed = parseInteger(optionalFlag(args, 'seed') ?? String(DEFAULT_PROVE_SEED), '--seed');
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const summary = prove({ scale, seed, outDir: optionalFlag(args, 'out') ?? 'report', root, log: (l) => process.stderr.write(`${l}\n`) });
  const stdout = args.flags.has('json') ? JSON.stringify({ passed: summary.passed, failed: summary.failed, seed, scale }) : `${summary.passed} passed, ${summary.failed} failed`;
  return { stdout, exitCode: summary.failed === 0 ? 0 : 1 };
}
