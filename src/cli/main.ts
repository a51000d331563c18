/**
 * The flatcheck command. Exit codes: 0 success, 1 a check failed, 2 bad usage
 * or bad input (the message names the option or field and the value).
 *
 * Each verb's module is imported only when that verb runs (or its help is
 * asked for), and loads TensorFlow.js, vega or the Iris data itself, only
 * where it needs them: `forward --field rational` starts in a fraction of the
 * time it takes to load them all.
 */
import { readFileSync } from 'node:fs';
import { isUserError, UsageError } from '../field/errors.js';
import type { CommandResult } from './command.js';

interface Verb {
  usage: string;
  run: (argv: string[]) => Promise<CommandResult>;
}

const VERBS: Record<string, { summary: string; load: () => Promise<Verb> }> = {
  forward: { summary: 'outputs and loss of a network (flatcheck.network/v1 or v2) on a dataset', load: async () => { const m = await import('./commands/forward.js'); return { usage: m.FORWARD_USAGE, run: m.forwardCommand }; } },
  transform: { summary: 'apply a symmetry (layer-scale, neuron-scale, permutation) to a network', load: async () => { const m = await import('./commands/transform.js'); return { usage: m.TRANSFORM_USAGE, run: m.transformCommand }; } },
  eval: { summary: 'loss, gradient norm, a Hessian norm or an ε-sharpness of a network (flatcheck.network/v1 or v2) on a dataset', load: async () => { const m = await import('./commands/eval.js'); return { usage: m.EVAL_USAGE, run: m.evalCommand }; } },
  witness: { summary: 'a layer-scale α making the Hessian spectral norm (or ε-sharpness) ≥ M, certified exactly', load: async () => { const m = await import('./commands/witness.js'); return { usage: m.WITNESS_USAGE, run: m.witnessCommand }; } },
  check: { summary: 'the conformance battery on your metric module: invariant, not-invariant or unbounded per symmetry', load: async () => { const m = await import('./commands/check.js'); return { usage: m.CHECK_USAGE, run: m.checkCommand }; } },
  metrics: { summary: 'the registered flatness metrics and their claims', load: async () => { const m = await import('./commands/check.js'); return { usage: m.METRICS_USAGE, run: m.metricsCommand }; } },
  experiment: { summary: "Keskar's small- vs large-batch sharpness on Iris (or --data), and its reversal by symmetries, proven exact", load: async () => { const m = await import('./commands/experiment.js'); return { usage: m.EXPERIMENT_USAGE, run: m.experimentCommand }; } },
  prove: { summary: 'run the theorem suite at report-grade counts and write report/ (from a checkout of the repository: the installed package has no tests)', load: async () => { const m = await import('./commands/prove.js'); return { usage: m.PROVE_USAGE, run: m.proveCommand }; } },
};

/** The version in package.json (two levels up from both src/cli/ and dist/cli/). */
export function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export async function usage(): Promise<string> {
  const lines = ['flatcheck: the symmetries of rectifier networks, checked (Dinh et al. 2017)', '', 'usage:'];
  for (const [name, verb] of Object.entries(VERBS)) lines.push(`  ${name.padEnd(10)} ${verb.summary}`, `       ${(await verb.load()).usage}`);
  lines.push('', '  flatcheck help VERB    one verb\'s usage', '  flatcheck --version    the version');
  return lines.join('\n');
}

async function verbHelp(name: string): Promise<string> {
  const verb = VERBS[name]!;
  return `flatcheck ${name}: ${verb.summary}\nusage: ${(await verb.load()).usage}`;
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export async function main(argv: string[], io: Io = { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`) }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    io.out(version());
    return 0;
  }
  if (name === 'help' && rest.length > 0) {
    const [topic, ...extra] = rest;
    if (extra.length > 0 || !Object.hasOwn(VERBS, topic!)) {
      io.err(`flatcheck help: unknown verb "${rest.join(' ')}" (expected one of ${Object.keys(VERBS).join(', ')})`);
      return 2;
    }
    io.out(await verbHelp(topic!));
    return 0;
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(await usage());
    return name === undefined ? 2 : 0;
  }
  if (!Object.hasOwn(VERBS, name)) {
    io.err(`flatcheck: unknown command "${name}"\n\n${await usage()}`);
    return 2;
  }
  if (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h')) {
    io.out(await verbHelp(name));
    return 0;
  }
  const verb = await VERBS[name]!.load();
  try {
    const result = await verb.run(rest);
    if (result.stderr) io.err(result.stderr);
    io.out(result.stdout);
    return result.exitCode ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`flatcheck ${name}: ${e.message}\nusage: ${verb.usage}`);
      return 2;
    }
    if (isUserError(e)) {
      io.err(`flatcheck ${name}: ${e.message}`);
      return 2;
    }
    throw e; // internal: bin/flatcheck.mjs prints the stack and exits 1
  }
}
