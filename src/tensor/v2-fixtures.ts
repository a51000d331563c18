/**
 * Float v2 layers with seeded random numbers, for the tfjs v2 engine's tests
 * and properties (src/tensor/v2.test.ts, properties/tensor-v2.prop.ts):
 * weights at the 1/√fan-in scale, small biases, batch norms with γ near 1
 * and running variances in [0.5, 1.5]. Test code: the build leaves it out.
 */
import type { Rng } from '../field/random.js';
import type { ActivationName } from '../network/types.js';
import type { Conv2dLayer, DenseLayer, LayerV2 } from '../network/v2.js';

export interface FloatLayers {
  /** n draws of N(0, scale²). */
  normal(n: number, scale?: number): number[];
  conv(inChannels: number, outChannels: number, kh: number, kw: number, stride?: number, padding?: number, bias?: boolean): Conv2dLayer<number>;
  dense(inputs: number, outputs: number, bias?: boolean): DenseLayer<number>;
  act(activation: ActivationName, slope?: number): LayerV2<number>;
  /** Every channel's ε the same. */
  batchnorm(channels: number, mode: 'eval' | 'train', epsilon?: number): LayerV2<number>;
}

/** Builders drawing from `rng` in call order; `bias` is the layers' default. */
export function floatLayers(rng: Rng, { bias: withBias = true }: { bias?: boolean } = {}): FloatLayers {
  const normal = (n: number, scale = 1) => Array.from({ length: n }, () => scale * rng.normal());
  return {
    normal,
    conv: (inC, outC, kh, kw, stride = 1, padding = 0, bias = withBias) => ({
      type: 'conv2d',
      inChannels: inC,
      outChannels: outC,
      kernelHeight: kh,
      kernelWidth: kw,
      stride,
      padding,
      weights: normal(outC * inC * kh * kw, 1 / Math.sqrt(inC * kh * kw)),
      ...(bias && { bias: normal(outC, 0.3) }),
    }),
    dense: (inputs, outputs, bias = withBias) => ({ type: 'dense', inputs, outputs, weights: normal(inputs * outputs, 1 / Math.sqrt(inputs)), ...(bias && { bias: normal(outputs, 0.3) }) }),
    act: (activation, slope) => ({ type: 'activation', activation, ...(slope !== undefined && { slope }) }),
    batchnorm: (C, mode, epsilon = 1e-3) => ({
      type: 'batchnorm',
      mode,
      gamma: normal(C).map((g) => 1 + 0.3 * g),
      beta: normal(C, 0.3),
      runningMean: normal(C, 0.3),
      runningVariance: normal(C).map((v) => 1 + 0.5 * Math.tanh(v)),
      epsilon: Array.from({ length: C }, () => epsilon),
    }),
  };
}
