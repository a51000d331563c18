/**
 * flatcheck.network/v2 (docs/formats.md): parsing with validation at the
 * boundary, and writing. A v1 file loads as the v2 network it is (fromV1);
 * a network that is an MLP is written as v1, any other as v2, and reading
 * back what was written gives the same network exactly.
 *
 * Validation is in two passes: the structure of each layer (types, keys,
 * rectangular arrays, lengths within a layer, signs), then the shapes
 * through the layers (sequenceShapes), so a shape error names the layer
 * whose parameters do not fit its input.
 */
import type { Field, Scalar } from '../field/field.js';
import { InputError } from '../field/errors.js';
import { toFraction } from '../field/rational.js';
import { expectArray, expectKeys, expectPositiveInteger, expectRecord, NETWORK_FORMAT, networkToJson, numberOf, parseNetwork, parseScalar, parseVector, scalarToJson } from './json.js';
import { parseJsonText } from './json-text.js';
import { ACTIVATIONS, type ActivationName } from './types.js';
import {
  BATCHNORM_MODES, fromV1, LAYER_TYPES, sequenceShapes, toV1,
  type BatchNormLayer, type BatchNormMode, type Conv2dLayer, type DenseLayer, type LayerType, type LayerV2, type NetworkV2, type Projection,
} from './v2.js';

export const NETWORK_FORMAT_V2 = 'flatcheck.network/v2';
/** Residual blocks nest at most this deep (a block at the top level is depth 1): deeper is a malformed file, not a stack overflow. */
export const MAX_RESIDUAL_DEPTH = 16;

type Json = unknown;

const quoted = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(', ');

function expectNonNegativeInteger(x: Json, field: string): number {
  const n = numberOf(x);
  if (n === undefined || !Number.isSafeInteger(n) || n < 0) throw new InputError(field, x, 'a non-negative integer');
  return n;
}

/** −1, 0 or 1: the sign of the value the scalar means (a decimal's, not its double's). */
const signOf = (x: Scalar): number => toFraction(x).compare(0);

/**
 * A non-empty rectangular array of `rank` dimensions, flattened row-major,
 * with its shape. The first array at each depth sets that dimension: a
 * ragged one is named at its first odd element (`weights[1][0]`).
 */
function parseTensor(x: Json, field: string, rank: number): { shape: number[]; values: Scalar[] } {
  const shape: (number | undefined)[] = new Array<undefined>(rank).fill(undefined);
  const values: Scalar[] = [];
  const walk = (v: Json, at: string, depth: number) => {
    if (depth === rank) {
      values.push(parseScalar(v, at));
      return;
    }
    const array = expectArray(v, at, shape[depth]);
    shape[depth] = array.length;
    // A for loop, not forEach: a sparse array's holes must be named, not skipped.
    for (let i = 0; i < array.length; i++) walk(array[i], `${at}[${i}]`, depth + 1);
  };
  walk(x, field, 0);
  return { shape: shape as number[], values };
}

function parseBias(l: Record<string, Json>, field: string, outputs: number): { bias?: Scalar[] } {
  return l.bias === undefined ? {} : { bias: parseVector(l.bias, `${field}.bias`, outputs) };
}

function parseDense(l: Record<string, Json>, field: string): DenseLayer<Scalar> {
  expectKeys(l, field, ['type', 'weights', 'bias']);
  const { shape, values } = parseTensor(l.weights, `${field}.weights`, 2);
  const [outputs, inputs] = shape as [number, number];
  return { type: 'dense', inputs, outputs, weights: values, ...parseBias(l, field, outputs) };
}

function parseConv(l: Record<string, Json>, field: string): Conv2dLayer<Scalar> {
  expectKeys(l, field, ['type', 'weights', 'bias', 'stride', 'padding']);
  const { shape, values } = parseTensor(l.weights, `${field}.weights`, 4);
  const [outChannels, inChannels, kernelHeight, kernelWidth] = shape as [number, number, number, number];
  const bias = parseBias(l, field, outChannels);
  const stride = l.stride === undefined ? 1 : expectPositiveInteger(l.stride, `${field}.stride`);
  const padding = l.padding === undefined ? 0 : expectNonNegativeInteger(l.padding, `${field}.padding`);
  return { type: 'conv2d', inChannels, outChannels, kernelHeight, kernelWidth, stride, padding, weights: values, ...bias };
}

function parseBatchNorm(l: Record<string, Json>, field: string): BatchNormLayer<Scalar> {
  expectKeys(l, field, ['type', 'mode', 'gamma', 'beta', 'runningMean', 'runningVariance', 'epsilon']);
  if (typeof l.mode !== 'string' || !BATCHNORM_MODES.includes(l.mode as BatchNormMode)) throw new InputError(`${field}.mode`, l.mode, '"eval" or "train"');
  const mode = l.mode as BatchNormMode;
  const gamma = parseVector(l.gamma, `${field}.gamma`);
  const C = gamma.length;
  const beta = parseVector(l.beta, `${field}.beta`, C);
  // The running statistics are used in eval mode only: optional in train mode, where they default to 0 and 1 as PyTorch initialises them.
  const statistic = (key: 'runningMean' | 'runningVariance', initial: number): Scalar[] => {
    if (l[key] !== undefined) return parseVector(l[key], `${field}.${key}`, C);
    if (mode === 'eval') throw new InputError(`${field}.${key}`, undefined, `${C} values, one per channel (required in eval mode)`);
    return new Array<number>(C).fill(initial);
  };
  const runningMean = statistic('runningMean', 0);
  const runningVariance = statistic('runningVariance', 1);
  // Signs are checked on the values as parsed, and named with the values as written.
  runningVariance.forEach((v, c) => {
    if (signOf(v) < 0) throw new InputError(`${field}.runningVariance[${c}]`, (l.runningVariance as Json[])[c], 'a variance, at least 0');
  });
  if (l.epsilon === undefined) throw new InputError(`${field}.epsilon`, undefined, 'ε > 0: one number, or one per channel');
  const single = !Array.isArray(l.epsilon);
  const epsilon = single ? new Array<Scalar>(C).fill(parseScalar(l.epsilon, `${field}.epsilon`)) : parseVector(l.epsilon, `${field}.epsilon`, C);
  epsilon.forEach((e, c) => {
    if (signOf(e) <= 0) throw new InputError(single ? `${field}.epsilon` : `${field}.epsilon[${c}]`, single ? l.epsilon : (l.epsilon as Json[])[c], 'a positive number (ε > 0)');
  });
  return { type: 'batchnorm', mode, gamma, beta, runningMean, runningVariance, epsilon };
}

function parseActivation(l: Record<string, Json>, field: string): LayerV2<Scalar> {
  expectKeys(l, field, ['type', 'activation', 'slope']);
  const activation = l.activation;
  if (typeof activation !== 'string' || !ACTIVATIONS.includes(activation as ActivationName)) throw new InputError(`${field}.activation`, activation, `one of ${quoted(ACTIVATIONS)}`);
  if (activation === 'leaky-relu') {
    if (l.slope === undefined) throw new InputError(`${field}.slope`, undefined, 'a slope for leaky-relu');
    return { type: 'activation', activation, slope: parseScalar(l.slope, `${field}.slope`) };
  }
  if (l.slope !== undefined) throw new InputError(`${field}.slope`, l.slope, `no slope for activation "${activation}"`);
  return { type: 'activation', activation: activation as ActivationName };
}

function parseSkip(raw: Json, field: string): Projection<Scalar> {
  const l = expectRecord(raw, field);
  if (l.type !== 'dense' && l.type !== 'conv2d') throw new InputError(`${field}.type`, l.type, '"dense" or "conv2d" (a projection: a dense layer or a 1×1 convolution)');
  if (l.type === 'dense') return parseDense(l, field);
  const conv = parseConv(l, field);
  if (conv.kernelHeight !== 1 || conv.kernelWidth !== 1) throw new InputError(`${field}.weights`, `${conv.kernelHeight}×${conv.kernelWidth} kernels`, 'a 1×1 convolution for a projection skip');
  return conv;
}

/** `depth`: how many residual blocks enclose this sequence. */
function parseSequence(x: Json, field: string, depth: number): LayerV2<Scalar>[] {
  const array = expectArray(x, field);
  const layers: LayerV2<Scalar>[] = [];
  for (let k = 0; k < array.length; k++) layers.push(parseLayer(array[k], `${field}[${k}]`, depth));
  return layers;
}

function parseLayer(raw: Json, field: string, depth: number): LayerV2<Scalar> {
  const l = expectRecord(raw, field);
  const type = l.type;
  if (typeof type !== 'string' || !LAYER_TYPES.includes(type as LayerType)) throw new InputError(`${field}.type`, type, `one of ${quoted(LAYER_TYPES)}`);
  switch (type as LayerType) {
    case 'dense':
      return parseDense(l, field);
    case 'conv2d':
      return parseConv(l, field);
    case 'maxpool2d':
    case 'avgpool2d': {
      expectKeys(l, field, ['type', 'size', 'stride']);
      const size = expectPositiveInteger(l.size, `${field}.size`);
      const stride = l.stride === undefined ? size : expectPositiveInteger(l.stride, `${field}.stride`);
      return { type: type as 'maxpool2d' | 'avgpool2d', size, stride };
    }
    case 'flatten':
      expectKeys(l, field, ['type']);
      return { type: 'flatten' };
    case 'batchnorm':
      return parseBatchNorm(l, field);
    case 'activation':
      return parseActivation(l, field);
    case 'residual': {
      expectKeys(l, field, ['type', 'body', 'skip']);
      if (depth + 1 > MAX_RESIDUAL_DEPTH) throw new InputError(`${field}`, `a residual block nested ${depth + 1} deep`, `residual blocks nested at most ${MAX_RESIDUAL_DEPTH} deep`);
      const body = parseSequence(l.body, `${field}.body`, depth + 1);
      return l.skip === undefined ? { type: 'residual', body } : { type: 'residual', body, skip: parseSkip(l.skip, `${field}.skip`) };
    }
  }
}

function parseInputShape(x: Json): number[] {
  const array = expectArray(x, 'inputShape');
  if (array.length !== 1 && array.length !== 3) throw new InputError('inputShape', x, '[n] (features) or [C, H, W] (channels, height, width)');
  const shape: number[] = [];
  for (let i = 0; i < array.length; i++) shape.push(expectPositiveInteger(array[i], `inputShape[${i}]`));
  return shape;
}

/**
 * Validates a flatcheck.network/v2 file, or a v1 file (parseNetwork's
 * checks, then fromV1): JSON text (numbers mean their decimals), or an
 * object (JS numbers mean their doubles). Errors name the field's path
 * (`layers[2].body[0].weights`) and the value.
 */
export function parseNetworkV2(input: Json): NetworkV2<Scalar> {
  const root = expectRecord(typeof input === 'string' ? parseJsonText(input, 'network') : input, 'network');
  if (root.format === NETWORK_FORMAT) return fromV1(parseNetwork(root));
  if (root.format !== NETWORK_FORMAT_V2) throw new InputError('format', root.format, `"${NETWORK_FORMAT}" or "${NETWORK_FORMAT_V2}"`);
  expectKeys(root, 'network', ['format', 'inputShape', 'layers']);
  const inputShape = parseInputShape(root.inputShape);
  const layers = parseSequence(root.layers, 'layers', 0);
  sequenceShapes(layers, inputShape); // throws, naming the first layer that does not fit its input
  return { inputShape, layers };
}

function layerToJson<T>(F: Field<T>, layer: LayerV2<T>): object {
  const v = (x: T) => scalarToJson(F, x);
  const bias = (l: DenseLayer<T> | Conv2dLayer<T>) => (l.bias ? { bias: l.bias.map(v) } : {});
  /** Consecutive runs of `n` entries, as nested arrays of the given dimensions. */
  const nest = (values: readonly T[], dims: readonly number[]): unknown[] => {
    if (dims.length === 1) return values.map(v);
    const inner = dims.slice(1).reduce((a, b) => a * b, 1);
    return Array.from({ length: dims[0]! }, (_, i) => nest(values.slice(i * inner, (i + 1) * inner), dims.slice(1)));
  };
  switch (layer.type) {
    case 'dense':
      return { type: 'dense', weights: nest(layer.weights, [layer.outputs, layer.inputs]), ...bias(layer) };
    case 'conv2d':
      return { type: 'conv2d', weights: nest(layer.weights, [layer.outChannels, layer.inChannels, layer.kernelHeight, layer.kernelWidth]), ...bias(layer), stride: layer.stride, padding: layer.padding };
    case 'maxpool2d':
    case 'avgpool2d':
      return { type: layer.type, size: layer.size, stride: layer.stride };
    case 'flatten':
      return { type: 'flatten' };
    case 'batchnorm': {
      const [first, ...rest] = layer.epsilon;
      const epsilon = rest.every((e) => F.equals(e, first!)) ? v(first!) : layer.epsilon.map(v);
      return { type: 'batchnorm', mode: layer.mode, gamma: layer.gamma.map(v), beta: layer.beta.map(v), runningMean: layer.runningMean.map(v), runningVariance: layer.runningVariance.map(v), epsilon };
    }
    case 'activation':
      return { type: 'activation', activation: layer.activation, ...(layer.slope !== undefined ? { slope: v(layer.slope) } : {}) };
    case 'residual':
      return { type: 'residual', body: layer.body.map((l) => layerToJson(F, l)), ...(layer.skip ? { skip: layerToJson(F, layer.skip) } : {}) };
  }
}

/**
 * The network as a file: flatcheck.network/v1 when it is an MLP that v1
 * writes exactly (toV1), flatcheck.network/v2 otherwise. Exact values as
 * "p/q" strings; ε as one number when every channel's is the same.
 */
export function networkV2ToJson<T>(F: Field<T>, net: NetworkV2<T>): object {
  const v1 = toV1(net);
  if (v1) return networkToJson(F, v1);
  return { format: NETWORK_FORMAT_V2, inputShape: [...net.inputShape], layers: net.layers.map((l) => layerToJson(F, l)) };
}
