/**
 * v2 networks (mlp, cnn, resnet) as fast-check arbitraries. The architecture
 * is drawn as plain values (integers, booleans, choices) and the weights are
 * read in θ order from a pool of dyadic values, so fast-check's own shrinking
 * of those values (fewer stages, fewer channels, smaller kernels, stride 1,
 * no padding, pool, batch norm or bias, weights towards 0) always gives a
 * network: `fitNetworkV2` clamps what no longer fits, as fitSymmetry does.
 */
import fc from 'fast-check';
import type { Scalar } from '../field/field.js';
import { ARCHITECTURES, BATCHNORM_EPSILON, type ArchitectureName } from '../network/random.js';
import type { ActivationName, LossName, ScalarDataset } from '../network/types.js';
import { layerOutputShape, outputShape, parameterCountV2, size, walkLayers, type BatchNormMode, type Conv2dLayer, type DenseLayer, type LayerV2, type NetworkV2, type ResidualLayer } from '../network/v2.js';

/** One stage: an mlp's hidden layer, a cnn's convolution (and pool), or a resnet's residual block (and pool). */
export interface StagePlan {
  /** Units or output channels (a resnet block with an identity skip keeps its input's). */
  width: number;
  /** Square kernels; a resnet block makes it odd (2 → 1) and pads to keep the size. */
  kernel: number;
  /** Of the stage's (first) convolution; 1 in a block with an identity skip. */
  stride: number;
  /** cnn only. */
  padding: number;
  pool: 'none' | 'maxpool2d' | 'avgpool2d';
  /**
   * Clamped to the map, and to 2 for an average (a 3×3 average divides by 9,
   * which takes exact values off the terminating field's 2^a·5^b fast path:
   * an exact HVP is then some 40 times slower, `npm run bench -- v2`); the stride to the size.
   */
  poolSize: number;
  poolStride: number;
  batchnorm: boolean;
  /** resnet: a projection skip (a 1×1 conv, or dense on a [n] input) rather than the identity. */
  projection: boolean;
  bias: boolean;
}

/** Everything about a v2 network but its numbers. */
export interface ArchitectureV2 {
  architecture: ArchitectureName;
  /** resnet: dense blocks on a [features] input rather than conv blocks on [channels, height, width]. */
  flat: boolean;
  channels: number;
  height: number;
  width: number;
  features: number;
  stages: StagePlan[];
  outputs: number;
  outputBias: boolean;
  activation: ActivationName;
  slope: number;
}

export interface RawNetworkV2 {
  architecture: ArchitectureV2;
  /** The weights, biases, γ, β and running means, in θ order (cyclically). */
  values: number[];
  /**
   * Batch-norm roots r = √(σ² + ε) (so σ² = r² − ε), one per channel, cyclically: 2^k or 5·2^k from 1/4 to 5/2,
   * whose reciprocals are terminating decimals too (1/r for r = 3/8 is not, and slows exact engines several times).
   */
  roots: number[];
  batchnorm: BatchNormMode;
}

export interface NetworkV2ArbitraryOptions {
  /** One architecture or several to draw from (default all three, mlp first: shrinking goes there). */
  architecture?: ArchitectureName | readonly ArchitectureName[];
  /** Stages 1..maxStages (default 2). */
  maxStages?: number;
  /** Units or channels per stage, 1..maxWidth (default 3). */
  maxWidth?: number;
  /** Input channels 1..maxChannels (default 2), height and width 3..maxSize (default 6), features 1..maxFeatures (default 6). */
  maxChannels?: number;
  maxSize?: number;
  maxFeatures?: number;
  minOutputs?: number;
  maxOutputs?: number;
  /** One activation per network, drawn from these (default the piecewise-linear ones). */
  activations?: readonly ActivationName[];
  /** Batch norms drawn in this mode (default eval: exact roots), or none. */
  batchnorm?: BatchNormMode | false;
  bias?: 'always' | 'never' | 'either';
  /** Max and average pools (default true). */
  pools?: boolean;
  /** At most this many parameters (default 100: an exact Hessian in well under a second); larger draws are filtered out. */
  maxParameters?: number;
}

/** Prime, so a value's repeats never line up with a kernel, a row or a channel. */
export const VALUE_POOL = 61;
export const MAX_INPUT_V2 = 2 * 6 * 6;
export const MAX_OUTPUT_V2 = 3;
const SLOPES = [0.125, -0.5, 2];
/**
 * Multiples of 2^-8 in [−max, max]: dyadic like dyadic(), with fewer bits, so exact values stay
 * doubles (the terminating field's fast path) through a few layers rather than BigInts.
 */
const coarseDyadic = (max: number) => fc.integer({ min: -max * 256, max: max * 256 }).map((n) => n / 256);
/** 1 first: shrinking goes there. */
const ROOTS = [1, 0.25, 0.5, 0.625, 1.25, 2, 2.5];

export function architectureArbitrary(options: NetworkV2ArbitraryOptions = {}): fc.Arbitrary<ArchitectureV2> {
  const architectures = options.architecture === undefined ? ARCHITECTURES : typeof options.architecture === 'string' ? [options.architecture] : options.architecture;
  const bias = options.bias ?? 'either';
  const biasArbitrary = bias === 'either' ? fc.boolean() : fc.constant(bias === 'always');
  const stage: fc.Arbitrary<StagePlan> = fc.record({
    width: fc.integer({ min: 1, max: options.maxWidth ?? 3 }),
    kernel: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 2 }),
    padding: fc.integer({ min: 0, max: 1 }),
    pool: options.pools === false ? fc.constant('none' as const) : fc.constantFrom('none' as const, 'maxpool2d' as const, 'avgpool2d' as const),
    poolSize: fc.integer({ min: 2, max: 3 }),
    poolStride: fc.integer({ min: 1, max: 2 }),
    batchnorm: options.batchnorm === false ? fc.constant(false) : fc.boolean(),
    projection: fc.boolean(),
    bias: biasArbitrary,
  });
  return fc.record({
    architecture: fc.constantFrom(...architectures),
    flat: fc.boolean(),
    channels: fc.integer({ min: 1, max: options.maxChannels ?? 2 }),
    height: fc.integer({ min: 3, max: options.maxSize ?? 6 }),
    width: fc.integer({ min: 3, max: options.maxSize ?? 6 }),
    features: fc.integer({ min: 1, max: options.maxFeatures ?? 6 }),
    stages: fc.array(stage, { minLength: 1, maxLength: options.maxStages ?? 2 }),
    outputs: fc.integer({ min: options.minOutputs ?? 1, max: options.maxOutputs ?? 2 }),
    outputBias: biasArbitrary,
    activation: fc.constantFrom(...(options.activations ?? ['relu', 'leaky-relu', 'abs', 'linear'])),
    slope: fc.constantFrom(...SLOPES),
  });
}

export function rawNetworkV2Arbitrary(options: NetworkV2ArbitraryOptions = {}): fc.Arbitrary<RawNetworkV2> {
  return fc.record({
    architecture: architectureArbitrary(options),
    values: fc.array(coarseDyadic(1), { minLength: VALUE_POOL, maxLength: VALUE_POOL }),
    roots: fc.array(fc.constantFrom(...ROOTS), { minLength: 7, maxLength: 7 }),
    batchnorm: fc.constant(options.batchnorm || 'eval'),
  });
}

/** Small v2 networks (flatcheck.network/v2 objects with dyadic numbers), shrinking toward one small stage. */
export function networkV2Arbitrary(options: NetworkV2ArbitraryOptions = {}): fc.Arbitrary<NetworkV2<Scalar>> {
  const max = options.maxParameters ?? 100;
  return rawNetworkV2Arbitrary(options)
    .map(fitNetworkV2)
    .filter((net) => parameterCountV2(net) <= max);
}

/** The network `raw` describes; whatever no longer fits (a kernel or pool larger than its map) is clamped. */
export function fitNetworkV2(raw: RawNetworkV2): NetworkV2<Scalar> {
  const a = raw.architecture;
  let at = 0;
  let rootAt = 0;
  const take = (n: number) => Array.from({ length: n }, () => raw.values[at++ % raw.values.length]!);
  const spatial = a.architecture === 'cnn' || (a.architecture === 'resnet' && !a.flat);
  const inputShape = spatial ? [a.channels, a.height, a.width] : [a.features];
  const layers: LayerV2<Scalar>[] = [];
  let shape = inputShape;
  const push = (...more: LayerV2<Scalar>[]) => {
    for (const layer of more) {
      shape = layerOutputShape(layer, shape, `layers[${layers.length}]`);
      layers.push(layer);
    }
  };
  const dense = (inputs: number, outputs: number, bias: boolean): DenseLayer<Scalar> => {
    const layer: DenseLayer<Scalar> = { type: 'dense', inputs, outputs, weights: take(inputs * outputs) };
    if (bias) layer.bias = take(outputs);
    return layer;
  };
  const conv = (inChannels: number, outChannels: number, kernel: number, stride: number, padding: number, bias: boolean): Conv2dLayer<Scalar> => {
    const layer: Conv2dLayer<Scalar> = { type: 'conv2d', inChannels, outChannels, kernelHeight: kernel, kernelWidth: kernel, stride, padding, weights: take(outChannels * inChannels * kernel * kernel) };
    if (bias) layer.bias = take(outChannels);
    return layer;
  };
  const activation = (): LayerV2<Scalar>[] => {
    if (a.activation === 'linear') return [];
    return [a.activation === 'leaky-relu' ? { type: 'activation', activation: 'leaky-relu', slope: a.slope } : { type: 'activation', activation: a.activation }];
  };
  for (const stage of a.stages) {
    const batchnorm = (c: number): LayerV2<Scalar>[] => {
      if (!stage.batchnorm) return [];
      const roots = Array.from({ length: c }, () => raw.roots[rootAt++ % raw.roots.length]!);
      return [{ type: 'batchnorm', mode: raw.batchnorm, gamma: take(c), beta: take(c), runningMean: take(c), runningVariance: roots.map((r) => r * r - BATCHNORM_EPSILON), epsilon: roots.map(() => BATCHNORM_EPSILON) }];
    };
    const c = shape[0]!;
    if (a.architecture === 'mlp') {
      push(dense(c, stage.width, stage.bias), ...batchnorm(stage.width), ...activation());
    } else if (a.architecture === 'cnn') {
      const kernel = Math.min(stage.kernel, shape[1]! + 2 * stage.padding, shape[2]! + 2 * stage.padding);
      push(conv(c, stage.width, kernel, stage.stride, stage.padding, stage.bias), ...batchnorm(stage.width), ...activation());
    } else {
      // An identity skip keeps the shape: the block keeps its input's width and stride 1.
      const width = stage.projection ? stage.width : c;
      const block: ResidualLayer<Scalar> = { type: 'residual', body: [] };
      if (shape.length === 1) {
        block.body = [dense(c, width, stage.bias), ...batchnorm(width), ...activation(), dense(width, width, stage.bias), ...batchnorm(width)];
        if (stage.projection) block.skip = dense(c, width, stage.bias);
      } else {
        const kernel = stage.kernel % 2 === 0 ? stage.kernel - 1 : stage.kernel;
        const stride = stage.projection ? stage.stride : 1;
        const padding = (kernel - 1) / 2;
        block.body = [conv(c, width, kernel, stride, padding, stage.bias), ...batchnorm(width), ...activation(), conv(width, width, kernel, 1, padding, stage.bias), ...batchnorm(width)];
        if (stage.projection) block.skip = conv(c, width, 1, stride, 0, stage.bias);
      }
      push(block, ...activation());
    }
    if (stage.pool !== 'none' && shape.length === 3) {
      const poolSize = Math.min(stage.pool === 'avgpool2d' ? 2 : stage.poolSize, shape[1]!, shape[2]!);
      push({ type: stage.pool, size: poolSize, stride: Math.min(stage.poolStride, poolSize) });
    }
  }
  if (shape.length === 3) push({ type: 'flatten' });
  push(dense(shape[0]!, a.outputs, a.outputBias));
  return { inputShape, layers };
}

/** Inputs and targets drawn before the network is known (rows of the largest sizes); fitDatasetV2 cuts them to it. */
export interface RawDatasetV2 {
  inputs: number[][];
  targets: number[][];
  labels: number[];
}

export function rawDatasetV2Arbitrary(options: { minSamples?: number; maxSamples?: number } = {}): fc.Arbitrary<RawDatasetV2> {
  const row = (n: number) => fc.array(coarseDyadic(2), { minLength: n, maxLength: n });
  const sample = fc.record({ input: row(MAX_INPUT_V2), target: row(MAX_OUTPUT_V2), label: fc.nat({ max: 1000 }) });
  return fc.array(sample, { minLength: options.minSamples ?? 1, maxLength: options.maxSamples ?? 3 }).map((samples) => ({
    inputs: samples.map((s) => s.input),
    targets: samples.map((s) => s.target),
    labels: samples.map((s) => s.label),
  }));
}

/** The dataset `raw` describes for this network: each input its first size(inputShape) values (C·H·W order; cyclically beyond the row), targets or labels for its outputs. */
export function fitDatasetV2(raw: RawDatasetV2, net: NetworkV2<unknown>, loss: LossName = 'mse'): ScalarDataset {
  const n = size(net.inputShape);
  const outputs = outputShape(net)[0]!;
  const cyclic = (r: number[], length: number) => Array.from({ length }, (_, i) => r[i % r.length]!);
  const inputs = raw.inputs.map((r) => cyclic(r, n));
  if (loss === 'mse') return { loss, inputs, targets: raw.targets.map((r) => cyclic(r, outputs)) };
  return { loss, inputs, targets: raw.labels.map((l) => l % outputs) };
}

export interface NetworkV2AndData {
  network: NetworkV2<Scalar>;
  dataset: ScalarDataset;
}

/** A network and a dataset for it (mse by default). */
export function networkV2AndDataArbitrary(options: NetworkV2ArbitraryOptions = {}, data: { minSamples?: number; maxSamples?: number; loss?: LossName } = {}): fc.Arbitrary<NetworkV2AndData> {
  return fc.tuple(networkV2Arbitrary(options), rawDatasetV2Arbitrary(data)).map(([network, raw]) => ({ network, dataset: fitDatasetV2(raw, network, data.loss) }));
}

/**
 * What a network is made of, for fc.statistics and reach checks: its layer
 * types, skip kinds, strides and paddings above the defaults, bias-free
 * layers, batch-norm modes and activations.
 */
export function featuresOfNetworkV2(net: NetworkV2<unknown>): string[] {
  const seen = new Set<string>();
  walkLayers(net.layers, (layer, path) => {
    seen.add(layer.type);
    if (layer.type === 'residual') seen.add(layer.skip ? `${layer.skip.type} projection skip` : 'identity skip');
    if (layer.type === 'conv2d') {
      if (layer.stride > 1) seen.add(`stride ${layer.stride}`);
      if (layer.padding > 0) seen.add(`padding ${layer.padding}`);
      if (layer.kernelHeight > 1 && !path.endsWith('.skip')) seen.add(`kernel ${layer.kernelHeight}×${layer.kernelWidth}`);
    }
    if ((layer.type === 'dense' || layer.type === 'conv2d') && !layer.bias) seen.add('no bias');
    if (layer.type === 'maxpool2d' || layer.type === 'avgpool2d') seen.add(`${layer.type} ${layer.size}×${layer.size}${layer.stride !== layer.size ? ` stride ${layer.stride}` : ''}`);
    if (layer.type === 'batchnorm') seen.add(`batchnorm ${layer.mode}`);
    if (layer.type === 'activation') seen.add(layer.activation);
  });
  return [...seen].sort();
}
