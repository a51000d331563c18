/** File input and output for the CLI: named read errors, and whole-or-nothing writes (output/atomic.ts). */
import { readFileSync } from 'node:fs';
import type { Fraction } from 'fraction.js';
import { InputError } from '../field/errors.js';
import { rationalField as Q } from '../field/rational.js';
import { samplePasses, PIECEWISE_LINEAR } from '../autodiff/derivatives.js';
import { checkCompatible, networkToJson, parseDataset, parseNetwork } from '../network/json.js';
import { networkIn } from '../network/index.js';
import { parseJsonText } from '../network/json-text.js';
import { TRANSCENDENTAL_ACTIVATIONS, type Network, type ScalarDataset, type ScalarNetwork } from '../network/types.js';
import { writeFileAtomic } from '../output/atomic.js';
import { requireFlag, type ParsedArgs } from './args.js';

/** A JSON file, its numbers kept as written (json-text.ts): errors name the option and the path. */
export function readJsonFile(path: string, flag: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(flag, path, `a readable file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseJsonText(text, flag, path);
}

/** Errors from inside a file name the option too: "--net: layers[0].slope: expected …". */
export function withFlag<R>(flag: string, f: () => R): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof InputError && !e.field.startsWith('--')) throw new InputError(`${flag}: ${e.field}`, e.value, e.expected);
    throw e;
  }
}

export function readNetworkFile(path: string, flag = '--net'): ScalarNetwork {
  return withFlag(flag, () => parseNetwork(readJsonFile(path, flag)));
}

export function readDatasetFile(path: string, flag = '--data'): ScalarDataset {
  return withFlag(flag, () => parseDataset(readJsonFile(path, flag)));
}

/** --net and --data, each validated, and checked against each other. */
export function readNetworkAndData(args: ParsedArgs): { net: ScalarNetwork; data: ScalarDataset } {
  const net = readNetworkFile(requireFlag(args, 'net'));
  const data = readDatasetFile(requireFlag(args, 'data'));
  withFlag('--data', () => checkCompatible(net, data));
  return { net, data };
}

/** An exact network as flatcheck.network/v1 ("p/q" strings), written whole or not at all. */
export function writeNetworkFile(path: string, net: Network<Fraction>, flag = '--out'): void {
  writeFileAtomic(path, `${JSON.stringify(networkToJson(Q, net), null, 2)}\n`, flag);
}

/**
 * Throws unless exact rationals can evaluate this network on this data (no
 * tanh or softplus, no cross-entropy: they need exp), naming the option
 * that asked for exactness (`--field rational`, `--engine rational`, …).
 */
export function assertExactlyEvaluable(net: ScalarNetwork, data: ScalarDataset, flag: string, value: string, hint: string): void {
  const k = net.layers.findIndex((l) => TRANSCENDENTAL_ACTIVATIONS.includes(l.activation));
  const reason = k >= 0 ? `layers[${k}].activation is "${net.layers[k]!.activation}", which needs exp` : data.loss === 'cross-entropy' ? 'the loss is cross-entropy, which needs exp and log' : undefined;
  if (reason) throw new InputError(flag, value, `an input exact rationals can evaluate, but ${reason}, and rationals have no exp (${hint})`);
}

/**
 * A KinkError when a pre-activation is exactly 0 in the numbers as the files
 * write them, whatever their doubles round it to: computed exactly, before
 * any float engine, over the layers rationals can evaluate (up to the first
 * tanh or softplus, whose outputs are not rational).
 */
export function assertNoKinkAsWritten(net: ScalarNetwork, data: ScalarDataset): void {
  const end = net.layers.findIndex((l) => !PIECEWISE_LINEAR.includes(l.activation));
  const layers = end < 0 ? net.layers : net.layers.slice(0, end);
  if (layers.length === 0) return;
  samplePasses(Q, networkIn(Q, { inputSize: net.inputSize, layers }), data.inputs.map((row) => row.map(Q.fromScalar)));
}

/**
 * A float engine's result past its range (±Infinity, or NaN from ∞ − ∞) is
 * not a value: bad input naming the option that chose the engine, as for a
 * number type without exp. `what` says which value overflowed.
 */
export function assertFinite(values: Iterable<number>, flag: string, engine: string, what: string): void {
  for (const x of values) {
    if (!Number.isFinite(x)) throw new InputError(flag, engine, `an engine whose numbers hold this input's values, but ${what} is ${x} (past the ${engine === 'tfjs' ? 'float32' : 'float64'} range)`);
  }
}
