/**
 * flatcheck.network/v1 and flatcheck.dataset/v1: parsing with validation at
 * the boundary (every error names the field and the value) and writing with
 * exact rationals kept as "p/q" strings. A number read from JSON text means
 * the decimal it spells (`0.1` is 1/10); a JS number passed in an object
 * means its double, exactly.
 */
import type { Field, Scalar } from '../field/field.js';
import { InputError } from '../field/errors.js';
import { isFraction, MAX_DECIMAL_EXPONENT, parseDecimal, parseRational } from '../field/rational.js';
import { isJsonNumber, parseJsonText } from './json-text.js';
import type { Dataset, Layer, Network, ScalarDataset, ScalarNetwork } from './types.js';
import { ACTIVATIONS, LOSSES, type ActivationName, type LossName } from './types.js';

export const NETWORK_FORMAT = 'flatcheck.network/v1';
export const DATASET_FORMAT = 'flatcheck.dataset/v1';

type Json = unknown;

// The validators below are shared with flatcheck.network/v2 (json-v2.ts).

function isRecord(x: Json): x is Record<string, Json> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !isJsonNumber(x);
}

export function expectRecord(x: Json, field: string): Record<string, Json> {
  if (!isRecord(x)) throw new InputError(field, x, 'an object');
  return x;
}

export function expectKeys(x: Record<string, Json>, field: string, allowed: readonly string[]): void {
  for (const key of Object.keys(x)) {
    if (!allowed.includes(key)) {
      const path = /^\w+$/.test(key) ? `${field}.${key}` : `${field}[${JSON.stringify(key)}]`;
      throw new InputError(path, x[key], `no such field (allowed: ${allowed.join(', ')})`);
    }
  }
}

export function expectArray(x: Json, field: string, length?: number): Json[] {
  if (!Array.isArray(x)) throw new InputError(field, x, length === undefined ? 'an array' : `an array of length ${length}`);
  if (length !== undefined && x.length !== length) throw new InputError(field, x, `an array of length ${length} (it has ${x.length})`);
  if (length === undefined && x.length === 0) throw new InputError(field, x, 'a non-empty array');
  return x;
}

/** A JS number, or the double of a number read from JSON text. */
export const numberOf = (x: Json): number | undefined => (typeof x === 'number' ? x : isJsonNumber(x) ? x.value : undefined);

export function expectPositiveInteger(x: Json, field: string): number {
  const n = numberOf(x);
  if (n === undefined || !Number.isSafeInteger(n) || n < 1) throw new InputError(field, x, 'a positive integer');
  return n;
}

/** A JSON number (finite) or an exact rational string "p/q". */
export function parseScalar(x: Json, field: string): Scalar {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new InputError(field, x, 'a finite number');
    return x;
  }
  if (isJsonNumber(x)) {
    if (!Number.isFinite(x.value)) throw new InputError(field, x, 'a finite number');
    return parseDecimal(x.sourceText) ?? fail(new InputError(field, x, `a number with a decimal exponent within ±${MAX_DECIMAL_EXPONENT}`));
  }
  if (isFraction(x)) return x;
  if (typeof x === 'string') {
    const value = parseRational(x);
    if (value === undefined) throw new InputError(field, x, 'a number or an exact rational string like "-3/7"');
    return value;
  }
  throw new InputError(field, x, 'a number or an exact rational string like "-3/7"');
}

export function parseVector(x: Json, field: string, length?: number): Scalar[] {
  const array = expectArray(x, field, length);
  // A for loop, not map: map skips the holes of a sparse array, which must be named, not passed through.
  const out: Scalar[] = [];
  for (let i = 0; i < array.length; i++) out.push(parseScalar(array[i], `${field}[${i}]`));
  return out;
}

function parseMatrix(x: Json, field: string, rows: number | undefined, cols: number | undefined): Scalar[][] {
  const outer = expectArray(x, field, rows);
  let width = cols;
  return outer.map((row, i) => {
    const parsed = parseVector(row, `${field}[${i}]`, width);
    width = parsed.length; // every later row must match the first: a ragged matrix names its first odd row
    return parsed;
  });
}

const fail = (e: Error): never => {
  throw e;
};

/** Validates a network: JSON text (numbers mean their decimals), or an object (JS numbers mean their doubles). */
export function parseNetwork(input: Json): ScalarNetwork {
  const root = expectRecord(typeof input === 'string' ? parseJsonText(input, 'network') : input, 'network');
  expectKeys(root, 'network', ['format', 'inputSize', 'layers']);
  if (root.format !== NETWORK_FORMAT) throw new InputError('format', root.format, `"${NETWORK_FORMAT}"`);
  const inputSize = expectPositiveInteger(root.inputSize, 'inputSize');
  let fanIn = inputSize;
  const layers = expectArray(root.layers, 'layers').map((raw, k): Layer<Scalar> => {
    const field = `layers[${k}]`;
    const l = expectRecord(raw, field);
    expectKeys(l, field, ['weights', 'bias', 'activation', 'slope']);
    const weights = parseMatrix(l.weights, `${field}.weights`, undefined, fanIn);
    const activation = l.activation;
    if (typeof activation !== 'string' || !ACTIVATIONS.includes(activation as ActivationName)) {
      throw new InputError(`${field}.activation`, activation, `one of ${ACTIVATIONS.map((a) => `"${a}"`).join(', ')}`);
    }
    const layer: Layer<Scalar> = { weights, activation: activation as ActivationName };
    if (l.bias !== undefined) layer.bias = parseVector(l.bias, `${field}.bias`, weights.length);
    if (activation === 'leaky-relu') {
      if (l.slope === undefined) throw new InputError(`${field}.slope`, undefined, 'a slope for leaky-relu');
      layer.slope = parseScalar(l.slope, `${field}.slope`);
    } else if (l.slope !== undefined) {
      throw new InputError(`${field}.slope`, l.slope, `no slope for activation "${activation}"`);
    }
    fanIn = weights.length;
    return layer;
  });
  return { inputSize, layers };
}

/** Validates a dataset: JSON text (numbers mean their decimals), or an object (JS numbers mean their doubles). */
export function parseDataset(input: Json): ScalarDataset {
  const root = expectRecord(typeof input === 'string' ? parseJsonText(input, 'dataset') : input, 'dataset');
  expectKeys(root, 'dataset', ['format', 'loss', 'inputs', 'targets']);
  if (root.format !== DATASET_FORMAT) throw new InputError('format', root.format, `"${DATASET_FORMAT}"`);
  if (typeof root.loss !== 'string' || !LOSSES.includes(root.loss as LossName)) {
    throw new InputError('loss', root.loss, LOSSES.map((l) => `"${l}"`).join(' or '));
  }
  const inputs = parseMatrix(root.inputs, 'inputs', undefined, undefined);
  const samples = inputs.length;
  if (root.loss === 'mse') {
    return { loss: 'mse', inputs, targets: parseMatrix(root.targets, 'targets', samples, undefined) };
  }
  const labels = expectArray(root.targets, 'targets', samples).map((v, i) => {
    const n = numberOf(v);
    if (n === undefined || !Number.isSafeInteger(n) || n < 0) throw new InputError(`targets[${i}]`, v, 'a class label (a non-negative integer)');
    return n;
  });
  return { loss: 'cross-entropy', inputs, targets: labels };
}

/** Throws unless the dataset fits the network: every input row's width, every target row's width, every label's range. */
export function checkCompatible(net: Network<unknown>, data: Dataset<unknown>): void {
  const outputs = net.layers[net.layers.length - 1]!.weights.length;
  if (data.inputs.length === 0) throw new InputError('inputs', data.inputs, 'at least one sample');
  data.inputs.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== net.inputSize) throw new InputError(`inputs[${i}]`, row, `rows of length ${net.inputSize} (the network's inputSize), got length ${Array.isArray(row) ? row.length : 'none'}`);
  });
  if (data.targets.length !== data.inputs.length) throw new InputError('targets', data.targets, `${data.inputs.length} targets, one per input (it has ${data.targets.length})`);
  if (data.loss === 'mse') {
    data.targets.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== outputs) throw new InputError(`targets[${i}]`, row, `rows of length ${outputs} (the network's output size), got length ${Array.isArray(row) ? row.length : 'none'}`);
    });
  } else {
    if (outputs < 2) throw new InputError('loss', 'cross-entropy', 'a network with at least 2 outputs for cross-entropy');
    data.targets.forEach((label, i) => {
      if (!Number.isSafeInteger(label) || label < 0 || label >= outputs) throw new InputError(`targets[${i}]`, label, `a class label: an integer from 0 to ${outputs - 1} (the network's output size)`);
    });
  }
}

/** A scalar for JSON: an exact rational as the string "p/q" (or "p"), a float as a number. */
export function scalarToJson<T>(F: Field<T>, x: T): number | string {
  return F.exact ? F.toString(x) : F.toNumber(x);
}

export function networkToJson<T>(F: Field<T>, net: Network<T>): object {
  const v = (x: T) => scalarToJson(F, x);
  return {
    format: NETWORK_FORMAT,
    inputSize: net.inputSize,
    layers: net.layers.map((l) => ({
      weights: l.weights.map((row) => row.map(v)),
      ...(l.bias ? { bias: l.bias.map(v) } : {}),
      activation: l.activation,
      ...(l.slope !== undefined ? { slope: v(l.slope) } : {}),
    })),
  };
}

export function datasetToJson<T>(F: Field<T>, data: Dataset<T>): object {
  const v = (x: T) => scalarToJson(F, x);
  return {
    format: DATASET_FORMAT,
    loss: data.loss,
    inputs: data.inputs.map((row) => row.map(v)),
    targets: data.loss === 'mse' ? data.targets.map((row) => row.map(v)) : data.targets,
  };
}
