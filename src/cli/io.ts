/** File input and output for the CLI: named read errors, and whole-or-nothing writes (output/atomic.ts). */
import { readFileSync } from 'node:fs';
import type { Fraction } from 'fraction.js';
import { InputError } from '../field/errors.js';
import type { Scalar } from '../field/field.js';
import { rationalField as Q } from '../field/rational.js';
import { samplePasses, PIECEWISE_LINEAR } from '../autodiff/derivatives.js';
import { checkCompatibleV2 } from '../autodiff/v2.js';
import { checkCompatible, networkToJson, parseDataset, parseNetwork } from '../network/json.js';
import { parseNetworkV2 } from '../network/json-v2.js';
import { datasetIn, networkIn } from '../network/index.js';
import { parseJsonText } from '../network/json-text.js';
import { TRANSCENDENTAL_ACTIVATIONS, type Network, type ScalarDataset, type ScalarNetwork } from '../network/types.js';
import { networkV2In, outputShape, parameterCountV2, size, toV1, walkLayers, type LayerV2, type NetworkV2 } from '../network/v2.js';
import { recordV2 } from '../network/v2-forward.js';
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

/**
 * --net as flatcheck.network/v1 or v2, and --data, checked against each
 * other. `mlp` is the network as v1 when it is a multilayer perceptron (every
 * v1 file, and a v2 file of dense and activation layers): the commands keep
 * their v1 code paths for it, so nothing changes for v1 files.
 */
export function readNetworkAndDataV2(args: ParsedArgs): { net: NetworkV2<Scalar>; mlp?: ScalarNetwork; data: ScalarDataset } {
  const path = requireFlag(args, 'net');
  const net = withFlag('--net', () => parseNetworkV2(readJsonFile(path, '--net')));
  const mlp = toV1(net);
  const data = readDatasetFile(requireFlag(args, 'data'));
  if (mlp) {
    withFlag('--data', () => checkCompatible(mlp, data));
    return { net, mlp, data };
  }
  checkFitsV2(net, data);
  return { net, data };
}

/** What checkCompatible checks for v1, for a v2 network: inputs of the input shape's size, a vector output, targets that fit it. */
function checkFitsV2(net: NetworkV2<Scalar>, data: ScalarDataset): void {
  const out = outputShape(net);
  if (out.length !== 1) throw new InputError('--net: layers', `output shape [${out.join(', ')}]`, 'a network whose output is a vector for a loss (end with flatten or dense)');
  withFlag('--data', () => {
    const n = size(net.inputShape);
    if (data.inputs.length === 0) throw new InputError('inputs', data.inputs, 'at least one sample');
    data.inputs.forEach((row, i) => {
      if (row.length !== n) throw new InputError(`inputs[${i}]`, row, `rows of length ${n} (the network's inputShape [${net.inputShape.join(', ')}], flattened in C·H·W order), got length ${row.length}`);
    });
    if (data.targets.length !== data.inputs.length) throw new InputError('targets', data.targets, `${data.inputs.length} targets, one per input (it has ${data.targets.length})`);
    if (data.loss === 'cross-entropy' && out[0]! < 2) throw new InputError('loss', 'cross-entropy', 'a network with at least 2 outputs for cross-entropy');
    checkCompatibleV2(net, data);
  });
}

/** Why exact rationals cannot evaluate a v2 network on this data, naming the field; undefined when they can. */
function exactObstacle(net: NetworkV2<Scalar>, data: ScalarDataset): string | undefined {
  let reason: string | undefined;
  walkLayers(net.layers, (layer, path) => {
    reason ??= layerObstacle(layer, path);
  });
  return reason ?? (data.loss === 'cross-entropy' ? 'the loss is cross-entropy, which needs exp and log, and rationals have no exp' : undefined);
}

function layerObstacle(layer: LayerV2<Scalar>, path: string): string | undefined {
  if (layer.type === 'activation' && TRANSCENDENTAL_ACTIVATIONS.includes(layer.activation)) return `${path}.activation is "${layer.activation}", which needs exp, and rationals have no exp`;
  if (layer.type !== 'batchnorm') return undefined;
  if (layer.mode === 'train') return `${path}.mode is "train", whose batch statistics need square roots of values that move with θ`;
  for (let c = 0; c < layer.gamma.length; c++) {
    const sum = Q.add(Q.fromScalar(layer.runningVariance[c]!), Q.fromScalar(layer.epsilon[c]!));
    if (Q.sqrt(sum) === undefined) return `${path}.runningVariance[${c}] + ${path}.epsilon[${c}] = ${sum.toFraction()} is not the square of a rational, and an eval-mode batch norm divides by its root`;
  }
  return undefined;
}

/** Whether exact rationals can evaluate the network on this data (and so re-check a float result). */
export function exactlyEvaluableV2(net: NetworkV2<Scalar>, data: ScalarDataset): boolean {
  return exactObstacle(net, data) === undefined;
}

/** assertExactlyEvaluable for a v2 network: also a train-mode batch norm, or an eval-mode one whose σ² + ε has no rational root. */
export function assertExactlyEvaluableV2(net: NetworkV2<Scalar>, data: ScalarDataset, flag: string, value: string, hint: string): void {
  const reason = exactObstacle(net, data);
  if (reason) throw new InputError(flag, value, `an input exact rationals can evaluate, but ${reason} (${hint})`);
}

/**
 * assertNoKinkAsWritten for a v2 network: a KinkError when a pre-activation
 * is exactly 0, or a max-pool window's maximum is tied between inputs that
 * move with θ, in the numbers as the files write them — over the top-level
 * layers rationals can evaluate (up to the first that holds one they cannot).
 */
export function assertNoKinkAsWrittenV2(net: NetworkV2<Scalar>, data: ScalarDataset): void {
  const end = net.layers.findIndex((l) => {
    let blocked = false;
    walkLayers([l], (layer) => (blocked ||= layerObstacle(layer, '') !== undefined));
    return blocked;
  });
  const layers = end < 0 ? net.layers : net.layers.slice(0, end);
  if (layers.length === 0) return;
  const prefix = networkV2In(Q, { inputShape: net.inputShape, layers });
  recordV2(Q, prefix, datasetIn(Q, data).inputs, parameterCountV2(prefix));
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
