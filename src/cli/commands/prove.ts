/** `flatcheck prove`: the theorem suite at report-grade run counts, written to report/. */
import { fileURLToPath } from 'node:url';
import { prove } from '../../report/prove.js';
import { optionalFlag, parseArgs, parseInteger } from '../args.js';
import { InputError } from '../../field/errors.js';
import type { CommandResult } from '../main.js';

export const PROVE_USAGE = 'flatcheck prove [--runs N] [--seed S] [--out DIR] [--json]';
export const DEFAULT_PROVE_SEED = 20170315;
export const DEFAULT_PROVE_RUNS = 1000;

export async function proveCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['runs', 'seed', 'out'], ['json']);
  const runs = parseInteger(optionalFlag(args, 'runs') ?? String(DEFAULT_PROVE_RUNS), '--runs');
  if (runs < 1) throw new InputError('--runs', runs, 'a positive integer');
  const seed = parseInteger(optionalFlag(args, 'seed') ?? String(DEFAULT_PROVE_SEED), '--seed');
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const summary = prove({ runs, seed, outDir: optionalFlag(args, 'out') ?? 'report', root, log: (l) => process.stderr.write(`${l}\n`) });
  const stdout = args.flags.has('json') ? JSON.stringify({ passed: summary.passed, failed: summary.failed, seed, runs }) : `${summary.passed} passed, ${summary.failed} failed`;
  return { stdout, exitCode: summary.failed === 0 ? 0 : 1 };
}
