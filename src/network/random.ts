/** Random networks (v1 and v2) and datasets from a seed and a spec. */
import { Rng } from '../field/random.js';
import type { Scalar } from '../field/field.js';
import { InputError } from '../field/errors.js';
import type { ActivationName, ScalarDataset, ScalarNetwork, Layer, LossName } from './types.js';
import { layerOutputShape, outputShape, size, type BatchNormMode, type Conv2dLayer, type DenseLayer, type LayerV2, type NetworkV2, type ResidualLayer } from './v2.js';

export interface NetworkSpec {
  inputSize: number;
  /** Widths of the hidden layers (at least one). */
  hidden: number[];
  outputSize: number;
  /** Activation of every hidden layer; the output layer is linear. */
  activation: ActivationName;
  /** Slope for leaky-relu. */
  slope?: Scalar;
  bias: boolean;
}

/**
 * Weights are He-scaled Gaussians rounded to multiples of 2^-12: dyadic
 * rationals, exactly representable in float32 and float64, so the same network
 * is exact in every field.
 */
export function randomNetwork(spec: NetworkSpec, seed: number): ScalarNetwork {
  if (spec.hidden.length < 1) throw new InputError('hidden', spec.hidden, 'at least one hidden layer');
  const rng = new Rng(seed);
  const sizes = [...spec.hidden, spec.outputSize];
  let fanIn = spec.inputSize;
  const layers = sizes.map((out, k): Layer<Scalar> => {
    const scale = Math.sqrt(2 / fanIn);
    const weights = Array.from({ length: out }, () => Array.from({ length: fanIn }, () => dyadic(rng.normal() * scale)));
    const isOutput = k === sizes.length - 1;
    const layer: Layer<Scalar> = { weights, activation: isOutput ? 'linear' : spec.activation };
    if (spec.bias) layer.bias = Array.from({ length: out }, () => dyadic(0.1 * rng.normal()));
    if (!isOutput && spec.activation === 'leaky-relu') layer.slope = spec.slope ?? 0.125;
    fanIn = out;
    return layer;
  });
  return { inputSize: spec.inputSize, layers };
}

function dyadic(x: number): number {
  return Math.round(x * 4096) / 4096;
}

/** Dyadic Gaussian inputs; mse targets Gaussian, cross-entropy labels uniform. */
export function randomDataset(
  opts: { inputSize: number; outputSize: number; samples: number; loss: LossName },
  seed: number,
): ScalarDataset {
  const rng = new Rng(seed);
  const inputs = Array.from({ length: opts.samples }, () => Array.from({ length: opts.inputSize }, () => dyadic(rng.normal())));
  if (opts.loss === 'mse') {
    return { loss: 'mse', inputs, targets: inputs.map(() => Array.from({ length: opts.outputSize }, () => dyadic(rng.normal()))) };
  }
  return { loss: 'cross-entropy', inputs, targets: inputs.map(() => rng.int(0, opts.outputSize - 1)) };
}

export type ArchitectureName = 'mlp' | 'cnn' | 'resnet';
export const ARCHITECTURES: readonly ArchitectureName[] = ['mlp', 'cnn', 'resnet'];

export interface PoolSpec {
  type: 'maxpool2d' | 'avgpool2d';
  size: number;
  /** Default: the size (non-overlapping windows). */
  stride?: number;
}

/** One stage: an mlp's hidden layer, a cnn's convolution, or a resnet's residual block. */
export interface StageSpec {
  /** Units, or output channels. */
  width: number;
  /** Square kernels (cnn and resnet; default 3; odd in a resnet, which pads to keep the size). */
  kernel?: number;
  /** Of the stage's (first) convolution; default 1. */
  stride?: number;
  /** cnn: zero padding, default 0. */
  padding?: number;
  /** cnn and resnet: a pool after the stage. */
  pool?: PoolSpec;
  /** resnet: the skip, the identity (the default where the block keeps the shape) or a projection (a 1×1 conv, or dense on a [n] input). */
  skip?: 'identity' | 'projection';
}

export interface NetworkV2Spec {
  /**
   * mlp: [n] → (dense, batchnorm?, activation) per stage.
   * cnn: [C, H, W] → (conv2d, batchnorm?, activation, pool?) per stage → flatten.
   * resnet: per stage a residual block, body (conv2d or dense, batchnorm?, activation,
   * conv2d or dense, batchnorm?) plus the skip, then an activation and pool?; flatten on [C, H, W].
   * Then a linear dense layer of outputSize for all three.
   */
  architecture: ArchitectureName;
  inputShape: number[];
  stages: StageSpec[];
  outputSize: number;
  /** Of every stage; the output layer is linear. */
  activation: ActivationName;
  /** leaky-relu's negative slope (default 1/8). */
  slope?: Scalar;
  bias: boolean;
  /** A batch norm after each linear layer of a stage, in this mode. */
  batchnorm?: BatchNormMode;
}

/** ε of every random batch norm: 1/64, with σ² = r² − ε, so √(σ² + ε) = r is dyadic. */
export const BATCHNORM_EPSILON = 1 / 64;

const ROOTS = [-2, -1, 0, 1, 2].flatMap((k) => [2 ** k, 5 * 2 ** (k - 2)]).filter((r) => r >= 1 / 4);

/**
 * The nearest r ≥ 1/4 of the form 2^k or 5·2^k: dyadic, and 1/r is a
 * terminating decimal too, so exact engines stay on the terminating field's
 * fast path (1/r for r = 3/8 is not, and slows them several times).
 */
function terminatingRoot(x: number): number {
  return ROOTS.reduce((best, r) => (Math.abs(r - x) < Math.abs(best - x) ? r : best));
}

/**
 * A seeded v2 network: weights He-scaled Gaussians rounded to multiples of
 * 2^-12 (like randomNetwork), biases 0.1·N(0, 1) likewise. Batch norms get
 * γ ≈ 1, β and μ near 0, ε = 1/64 and σ² = r² − ε with r ≥ 1/4 of the form
 * 2^k or 5·2^k: σ² + ε = r² is the square of a dyadic rational, so the exact
 * engines take its root exactly. An mlp without batch norm is exactly
 * fromV1(randomNetwork(…)) of the same seed.
 */
export function randomNetworkV2(spec: NetworkV2Spec, seed: number): NetworkV2<Scalar> {
  const rng = new Rng(seed);
  const spatial = spec.inputShape.length === 3;
  if (spec.architecture === 'cnn' ? !spatial : spec.architecture === 'mlp' ? spec.inputShape.length !== 1 : !spatial && spec.inputShape.length !== 1) {
    throw new InputError('inputShape', spec.inputShape, spec.architecture === 'cnn' ? 'a [C, H, W] shape for a cnn' : spec.architecture === 'mlp' ? 'a [n] shape for an mlp' : 'a [n] or [C, H, W] shape');
  }
  const draw = (n: number, std: number) => Array.from({ length: n }, () => dyadic(rng.normal() * std));
  const dense = (inputs: number, outputs: number, bias = spec.bias): DenseLayer<Scalar> => {
    const layer: DenseLayer<Scalar> = { type: 'dense', inputs, outputs, weights: draw(outputs * inputs, Math.sqrt(2 / inputs)) };
    if (bias) layer.bias = draw(outputs, 0.1);
    return layer;
  };
  const conv = (inChannels: number, outChannels: number, kernel: number, stride: number, padding: number, bias = spec.bias): Conv2dLayer<Scalar> => {
    const layer: Conv2dLayer<Scalar> = { type: 'conv2d', inChannels, outChannels, kernelHeight: kernel, kernelWidth: kernel, stride, padding, weights: draw(outChannels * inChannels * kernel * kernel, Math.sqrt(2 / (inChannels * kernel * kernel))) };
    if (bias) layer.bias = draw(outChannels, 0.1);
    return layer;
  };
  const batchnorm = (c: number): LayerV2<Scalar>[] => {
    if (!spec.batchnorm) return [];
    const gamma = draw(c, 0.25).map((g) => 1 + g);
    const beta = draw(c, 0.1);
    const runningMean = draw(c, 0.1);
    const roots = Array.from({ length: c }, () => terminatingRoot(Math.abs(1 + 0.25 * rng.normal())));
    return [{ type: 'batchnorm', mode: spec.batchnorm, gamma, beta, runningMean, runningVariance: roots.map((r) => r * r - BATCHNORM_EPSILON), epsilon: roots.map(() => BATCHNORM_EPSILON) }];
  };
  const activation: LayerV2<Scalar> = spec.activation === 'leaky-relu' ? { type: 'activation', activation: 'leaky-relu', slope: spec.slope ?? 0.125 } : { type: 'activation', activation: spec.activation };
  const activations = (): LayerV2<Scalar>[] => (spec.activation === 'linear' ? [] : [{ ...activation }]);
  const layers: LayerV2<Scalar>[] = [];
  let shape = [...spec.inputShape];
  const push = (...more: LayerV2<Scalar>[]) => {
    for (const layer of more) {
      shape = layerOutputShape(layer, shape, `layers[${layers.length}]`);
      layers.push(layer);
    }
  };
  spec.stages.forEach((stage, k) => {
    const field = `stages[${k}]`;
    const kernel = stage.kernel ?? 3;
    const stride = stage.stride ?? 1;
    if (spec.architecture === 'mlp') {
      push(dense(shape[0]!, stage.width), ...batchnorm(stage.width), ...activations());
    } else if (spec.architecture === 'cnn') {
      push(conv(shape[0]!, stage.width, kernel, stride, stage.padding ?? 0), ...batchnorm(stage.width), ...activations());
    } else {
      if (shape.length === 3 && kernel % 2 === 0) throw new InputError(`${field}.kernel`, kernel, 'an odd kernel size in a resnet block (it pads to keep the size)');
      const flat = shape.length === 1;
      const same = shape[0] === stage.width && stride === 1;
      const skip = stage.skip ?? (same ? 'identity' : 'projection');
      if (skip === 'identity' && !same) throw new InputError(`${field}.skip`, 'identity', `a projection (the block maps [${shape.join(', ')}] to ${stage.width} ${flat ? 'features' : `channels with stride ${stride}`})`);
      const c = shape[0]!;
      const p = (kernel - 1) / 2;
      const body = flat
        ? [dense(c, stage.width), ...batchnorm(stage.width), ...activations(), dense(stage.width, stage.width), ...batchnorm(stage.width)]
        : [conv(c, stage.width, kernel, stride, p), ...batchnorm(stage.width), ...activations(), conv(stage.width, stage.width, kernel, 1, p), ...batchnorm(stage.width)];
      const block: ResidualLayer<Scalar> = { type: 'residual', body };
      if (skip === 'projection') block.skip = flat ? dense(c, stage.width) : conv(c, stage.width, 1, stride, 0);
      push(block, ...activations());
    }
    if (stage.pool) {
      if (spec.architecture === 'mlp' || shape.length !== 3) throw new InputError(`${field}.pool`, stage.pool.type, 'no pool on a [n] shape');
      push({ type: stage.pool.type, size: stage.pool.size, stride: stage.pool.stride ?? stage.pool.size });
    }
  });
  if (shape.length === 3) push({ type: 'flatten' });
  push(dense(shape[0]!, spec.outputSize));
  return { inputShape: [...spec.inputShape], layers };
}

/** randomDataset for a v2 network: inputs of its flattened input size, targets or labels of its output size. */
export function randomDatasetV2(net: NetworkV2<unknown>, opts: { samples: number; loss: LossName }, seed: number): ScalarDataset {
  const out = outputShape(net);
  if (out.length !== 1) throw new InputError('network.layers', `output shape [${out.join(', ')}]`, 'a network whose output is a vector');
  return randomDataset({ inputSize: size(net.inputShape), outputSize: out[0]!, ...opts }, seed);
}
