/** `flatcheck experiment keskar`: Keskar's small- vs large-batch sharpness on real data, and its reversal. */
import { InputError, UsageError } from '../../field/errors.js';
import type { KeskarOptions } from '../../experiment/keskar-types.js';
import { parseDataset } from '../../network/json.js';
import { assertWritable } from '../../output/atomic.js';
import { optionalFlag, parseArgs, parseInteger } from '../args.js';
import { readJsonFile, withFlag } from '../io.js';
import type { CommandResult } from '../command.js';
import { exitCleanlyOnSignals } from '../../output/shutdown.js';

export const EXPERIMENT_USAGE = 'flatcheck experiment keskar [--data FILE] [--seeds N] [--out DIR] [--short] [--json]';

export async function experimentCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['data', 'seeds', 'out'], ['short', 'json'], 1);
  exitCleanlyOnSignals();
  if (args.positional.length !== 1 || args.positional[0] !== 'keskar') throw new UsageError(`expected the experiment "keskar", got ${args.positional.length ? `"${args.positional.join(' ')}"` : 'none'}`);
  const options: KeskarOptions = { short: args.flags.has('short') };
  const dataPath = optionalFlag(args, 'data');
  if (dataPath !== undefined) {
    const data = readJsonFile(dataPath, '--data');
    withFlag('--data', () => parseDataset(data)); // named before any training starts
    Object.assign(options, { data, dataName: dataPath });
  }
  const seeds = optionalFlag(args, 'seeds');
  if (seeds !== undefined) {
    options.seeds = parseInteger(seeds, '--seeds');
    if (options.seeds < 1) throw new InputError('--seeds', options.seeds, 'a positive integer');
  }
  const out = optionalFlag(args, 'out') ?? 'keskar-experiment';
  assertWritable(out, '--out', 'directory');
  // TensorFlow.js, the Iris data and vega: loaded for this verb only.
  const [{ writeDirectoryAtomic }, { runKeskarExperiment }] = await Promise.all([import('../../output/atomic.js'), import('../../experiment/keskar.js')]);
  const started = Date.now();
  const result = await runKeskarExperiment({ ...options, log: (line) => process.stderr.write(`${line}\n`) });
  const files: Record<string, string> = {
    'table.md': result.markdown,
    'table.json': `${JSON.stringify(result.json, null, 2)}\n`,
    'dataset.json': `${JSON.stringify(result.dataset)}\n`,
  };
  for (const f of result.figures) files[f.name] = f.svg;
  for (const n of result.networks) files[n.name] = `${JSON.stringify(n.json)}\n`;
  writeDirectoryAtomic(out, files, '--out');
  const seconds = (Date.now() - started) / 1000;
  const reversed = result.pairs.filter((p) => p.sharpened['layer-scale'].everyMeasure && p.sharpened['neuron-scale'].everyMeasure && p.outputsIdentical).length;
  const keskar = result.pairs.filter((p) => p.largeSharperEverywhere).length;
  const summary = { ok: result.ok, pairs: result.pairs.length, largeSharperEverywhere: keskar, reversed, out, seconds };
  const stdout = args.flags.has('json')
    ? JSON.stringify(summary)
    : `${out}/table.md: ${result.pairs.length} pairs; large batch sharper by every measure in ${keskar}; reversed (both symmetries, every measure, outputs identical exactly) in ${reversed}; ${seconds.toFixed(1)} s`;
  return { stdout, exitCode: result.ok ? 0 : 1 };
}
