/**
 * The flatcheck command. Exit codes: 0 success, 1 a check failed, 2 bad usage
 * or bad input (the message names the option or field and the value).
 */
import { InputError } from '../field/errors.js';
import { KinkError } from '../autodiff/derivatives.js';
import { UsageError } from './args.js';
import { FORWARD_USAGE, forwardCommand } from './commands/forward.js';
import { TRANSFORM_USAGE, transformCommand } from './commands/transform.js';
import { PROVE_USAGE, proveCommand } from './commands/prove.js';
import { EVAL_USAGE, evalCommand } from './commands/eval.js';
import { WITNESS_USAGE, witnessCommand } from './commands/witness.js';
import { CHECK_USAGE, checkCommand, METRICS_USAGE, metricsCommand } from './commands/check.js';
import { EXPERIMENT_USAGE, experimentCommand } from './commands/experiment.js';
import type { CommandResult } from './command.js';

type Command = { usage: string; summary: string; run: (argv: string[]) => Promise<CommandResult> };

const COMMANDS: Record<string, Command> = {
  forward: { usage: FORWARD_USAGE, summary: 'outputs and loss of a network on a dataset', run: forwardCommand },
  transform: { usage: TRANSFORM_USAGE, summary: 'apply a symmetry (layer-scale, neuron-scale, permutation) to a network', run: transformCommand },
  eval: { usage: EVAL_USAGE, summary: 'loss, gradient norm, a Hessian norm or an ε-sharpness of a network on a dataset', run: evalCommand },
  witness: { usage: WITNESS_USAGE, summary: 'a layer-scale α making the Hessian spectral norm (or ε-sharpness) ≥ M, certified exactly', run: witnessCommand },
  check: { usage: CHECK_USAGE, summary: 'the conformance battery on your metric module: invariant, not-invariant or unbounded per symmetry', run: checkCommand },
  metrics: { usage: METRICS_USAGE, summary: 'the registered flatness metrics and their claims', run: metricsCommand },
  experiment: { usage: EXPERIMENT_USAGE, summary: "Keskar's small- vs large-batch sharpness on Iris (or --data), and its reversal by symmetries, proven exact", run: experimentCommand },
  prove: { usage: PROVE_USAGE, summary: 'run the theorem suite at report-grade counts and write report/', run: proveCommand },
};

export function usage(): string {
  const lines = ['flatcheck: the symmetries of rectifier networks, checked (Dinh et al. 2017)', '', 'usage:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`, `       ${c.usage}`);
  return lines.join('\n');
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export async function main(argv: string[], io: Io = { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`) }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`flatcheck: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    const result = await command.run(rest);
    io.out(result.stdout);
    return result.exitCode ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`flatcheck ${name}: ${e.message}\nusage: ${command.usage}`);
      return 2;
    }
    if (e instanceof InputError || e instanceof KinkError) {
      io.err(`flatcheck ${name}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
