/** Random networks and datasets from a seed and a spec. */
import { Rng } from '../field/random.js';
import type { Scalar } from '../field/field.js';
import { InputError } from '../field/errors.js';
import type { ActivationName, ScalarDataset, ScalarNetwork, Layer, LossName } from './types.js';

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
