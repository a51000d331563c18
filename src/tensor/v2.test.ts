import { describe, expect, it } from 'vitest';
import { FLOAT32_UNIT_ROUNDOFF as u32, FLOAT64_UNIT_ROUNDOFF as u64, float64Field as F } from '../field/index.js';
import { InputError } from '../field/errors.js';
import { Rng } from '../field/random.js';
import type { Dataset } from '../network/types.js';
import { outputShape, parameterCountV2, size, type Conv2dLayer, type NetworkV2 } from '../network/v2.js';
import { forwardV2, lossV2 } from '../network/v2-forward.js';
import { lossGradientV2 } from '../autodiff/v2.js';
import { forwardErrorBoundV2, gradientErrorBoundV2, lossErrorBoundV2 } from '../autodiff/v2-bounds.js';
import { initTensorBackend, tf } from './backend.js';
import { avgPool2d, conv2dValid, convInputGradient, maxPool2d, TensorProblemV2 } from './v2.js';
import { floatLayers } from './v2-fixtures.js';

const backend = await initTensorBackend();

/** float32 against float64: both engines' errors, and the conversion of every leaf to float32. */
const ENGINES = { u: u32 + u64, inputPerturbation: u32 };

const { normal, conv, dense, act, batchnorm } = floatLayers(new Rng(2024));

/** Every layer kind, strides, padding, non-square kernels and inputs, both residual skips. */
const NETWORKS: Record<string, NetworkV2<number>> = {
  'conv stride 2, padding 1, 2×3 kernel, tanh': { inputShape: [2, 5, 4], layers: [conv(2, 3, 2, 3, 2, 1), act('tanh'), { type: 'flatten' }, dense(3 * 3 * 2, 2)] },
  'two convs, softplus, bias-free': { inputShape: [1, 6, 5], layers: [conv(1, 2, 3, 2, 1, 0, false), act('softplus'), conv(2, 2, 2, 2, 2, 1), { type: 'flatten' }, dense(2 * 3 * 3, 3, false)] },
  'relu, overlapping max pool': { inputShape: [2, 6, 6], layers: [conv(2, 3, 3, 3, 1, 1), act('relu'), { type: 'maxpool2d', size: 3, stride: 2 }, { type: 'flatten' }, dense(3 * 2 * 2, 2)] },
  'leaky-relu, average pool stride 1': { inputShape: [2, 5, 5], layers: [conv(2, 2, 2, 2), act('leaky-relu', 0.1), { type: 'avgpool2d', size: 2, stride: 1 }, { type: 'flatten' }, dense(2 * 3 * 3, 2)] },
  'batchnorm train over channels, tanh': { inputShape: [2, 4, 4], layers: [conv(2, 3, 3, 3, 1, 1), batchnorm(3, 'train'), act('tanh'), { type: 'flatten' }, dense(48, 2, false)] },
  'batchnorm eval, abs, pool on the data': { inputShape: [2, 5, 5], layers: [{ type: 'maxpool2d', size: 2, stride: 1 }, conv(2, 3, 3, 3, 1, 1), batchnorm(3, 'eval'), act('abs'), { type: 'flatten' }, dense(48, 2)] },
  'residual blocks, projection and identity': {
    inputShape: [2, 4, 4],
    layers: [
      { type: 'residual', body: [conv(2, 3, 3, 3, 1, 1), act('tanh'), conv(3, 3, 1, 1)], skip: conv(2, 3, 1, 1, 1, 0, false) },
      { type: 'residual', body: [act('softplus'), conv(3, 3, 3, 3, 1, 1)] },
      { type: 'flatten' },
      dense(48, 2),
    ],
  },
  'features: dense, batchnorm both modes, dense-projection residual': {
    inputShape: [4],
    layers: [dense(4, 5), batchnorm(5, 'train'), act('tanh'), { type: 'residual', body: [dense(5, 3), act('softplus')], skip: dense(5, 3, false) }, batchnorm(3, 'eval'), dense(3, 2)],
  },
};

function datasets(net: NetworkV2<number>): Dataset<number>[] {
  const N = 3;
  const inputs = Array.from({ length: N }, () => normal(size(net.inputShape)));
  const O = outputShape(net)[0]!;
  return [
    { loss: 'mse', inputs, targets: Array.from({ length: N }, () => normal(O)) },
    { loss: 'cross-entropy', inputs, targets: Array.from({ length: N }, (_, s) => s % O) },
  ];
}

const CASES = Object.entries(NETWORKS).flatMap(([name, net]) => datasets(net).map((data) => ({ name: `${name}, ${data.loss}`, net, data })));

describe('TensorProblemV2 agrees with the float64 reference within the derived float32 bound', () => {
  it.each(CASES)('outputs, loss and gradient: $name', ({ net, data }) => {
    const problem = new TensorProblemV2(net, data);
    try {
      expect(problem.size).toBe(parameterCountV2(net));
      const outputs = forwardV2(F, net, data.inputs);
      const outputBound = forwardErrorBoundV2(net, data, ENGINES);
      expect(outputBound).toBeDefined();
      problem.forward().forEach((row, s) => row.forEach((v, o) => expect(Math.abs(v - outputs[s]![o]!)).toBeLessThanOrEqual(outputBound![s]![o]!)));
      const lossBound = lossErrorBoundV2(net, data, ENGINES);
      expect(Math.abs(problem.loss() - lossV2(F, net, data))).toBeLessThanOrEqual(lossBound!);
      const gradient = lossGradientV2(F, net, data);
      const gradientBound = gradientErrorBoundV2(net, data, ENGINES);
      expect(gradientBound).toBeDefined();
      problem.gradient().forEach((g, i) => expect(Math.abs(g - gradient[i]!)).toBeLessThanOrEqual(gradientBound![i]!));
    } finally {
      problem.dispose();
    }
  });

  it('a wrong θ layout is not within the bound: conv weights read [kh][kw][in][out] instead of [out][in][kh][kw]', () => {
    // The bound is tight enough to see a transposed filter (what a missing transpose would compute).
    const net = NETWORKS['conv stride 2, padding 1, 2×3 kernel, tanh']!;
    const data = datasets(net)[0]!;
    const first = net.layers[0] as Conv2dLayer<number>;
    const { outChannels: O, inChannels: C, kernelHeight: kh, kernelWidth: kw } = first;
    const transposed = Array.from({ length: O * C * kh * kw }, (_, i) => {
      const [o, c, a, b] = [Math.floor(i / (C * kh * kw)), Math.floor(i / (kh * kw)) % C, Math.floor(i / kw) % kh, i % kw];
      return first.weights[((a * kw + b) * C + c) * O + o]!;
    });
    const wrong: NetworkV2<number> = { ...net, layers: [{ ...first, weights: transposed }, ...net.layers.slice(1)] };
    const problem = new TensorProblemV2(wrong, data);
    try {
      const outputs = forwardV2(F, net, data.inputs);
      const bound = forwardErrorBoundV2(net, data, ENGINES)!;
      expect(problem.forward().some((row, s) => row.some((v, o) => Math.abs(v - outputs[s]![o]!) > bound[s]![o]!))).toBe(true);
    } finally {
      problem.dispose();
    }
  });
});

describe('the ops: first derivatives as tfjs computes them where it can', () => {
  const x = () => tf.tensor4d(normal(2 * 6 * 5 * 3), [2, 6, 5, 3]);
  const close = (a: tf.Tensor, b: tf.Tensor) => {
    const [p, q] = [a.dataSync(), b.dataSync()];
    expect(p.length).toBe(q.length);
    // Sums of at most 27 float32 products of unit-size values, in two orders: a few hundred u32 apart at most.
    p.forEach((v, i) => expect(Math.abs(v - q[i]!)).toBeLessThanOrEqual(300 * u32 * (1 + Math.abs(q[i]!))));
  };

  it('convolution: value and input gradient equal tf.conv2d and its registered gradient', () => {
    tf.tidy(() => {
      const input = x();
      const filter = tf.tensor4d(normal(3 * 2 * 3 * 4), [3, 2, 3, 4]);
      close(conv2dValid(input, filter, 2), tf.conv2d(input, filter, 2, 'valid'));
      const f = (conv: (x: tf.Tensor4D) => tf.Tensor) => tf.grad((t: tf.Tensor) => tf.sum(tf.square(conv(t as tf.Tensor4D))))(input);
      close(f((t) => conv2dValid(t, filter, 2)), f((t) => tf.conv2d(t, filter, 2, 'valid')));
      const dy = tf.tensor4d(normal(2 * 2 * 2 * 4), [2, 2, 2, 4]);
      close(convInputGradient(dy, filter, [2, 6, 5, 3], 2), tf.conv2dTranspose(dy, filter, [2, 6, 5, 3], 2, 'valid'));
    });
  });

  it('max and average pooling: values and gradients equal tfjs pooling and its registered gradients', () => {
    tf.tidy(() => {
      const input = x();
      for (const [mine, theirs] of [
        [maxPool2d, tf.maxPool],
        [avgPool2d, tf.avgPool],
      ] as const) {
        close(mine(input, 3, 2), theirs(input, 3, 2, 'valid'));
        const g = (pool: (x: tf.Tensor4D) => tf.Tensor) => tf.grad((t: tf.Tensor) => tf.sum(tf.square(pool(t as tf.Tensor4D))))(input);
        close(g((t) => mine(t, 3, 2)), g((t) => theirs(t, 3, 2, 'valid')));
      }
    });
  });

  // Why tensor/v2.ts has its own ops: tfjs's cannot be differentiated twice here (a test that tells when that changes).
  it.runIf(backend === 'wasm')("tfjs's own convolution and pooling have no second derivative on wasm", () => {
    const input = x();
    const filter = tf.tensor4d(normal(3 * 3 * 3 * 2), [3, 3, 3, 2]);
    const hvp = (f: (t: tf.Tensor4D) => tf.Tensor, at: tf.Tensor) => () => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.grad((s: tf.Tensor) => tf.sum(tf.square(f(s as tf.Tensor4D))))(t)))(at));
    expect(hvp((w) => tf.conv2d(input, w, 1, 'valid'), filter)).toThrow(/Conv2DBackpropFilter/);
    expect(hvp((t) => tf.maxPool(t, 2, 2, 'valid'), input)).toThrow(/MaxPoolGrad/);
    expect(hvp((t) => tf.avgPool(t, 2, 2, 'valid'), input)).toThrow(/AvgPoolGrad/);
    tf.dispose([input, filter]);
  });
});

describe('TensorProblemV2 tensors and inputs', () => {
  it('leaks no tensors: forward, loss, gradient, HVP and Hessian leave the count unchanged, dispose returns it', () => {
    const before = tf.memory().numTensors;
    for (const { net, data } of CASES.filter((c) => c.name === 'relu, overlapping max pool, mse' || c.name === 'residual blocks, projection and identity, cross-entropy')) {
      const problem = new TensorProblemV2(net, data);
      const held = tf.memory().numTensors;
      const v = Array.from({ length: problem.size }, (_, i) => Math.sin(i));
      for (let i = 0; i < 3; i++) {
        problem.forward();
        problem.loss();
        problem.lossTensor().dispose();
        problem.gradient();
        problem.hvp(v);
      }
      problem.hessian();
      expect(tf.memory().numTensors).toBe(held);
      problem.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses inputs of the wrong length (naming the sample), targets that do not fit, and HVP vectors of the wrong length', () => {
    const [net, data] = [NETWORKS['two convs, softplus, bias-free']!, datasets(NETWORKS['two convs, softplus, bias-free']!)[0]!];
    const before = tf.memory().numTensors;
    expect(() => new TensorProblemV2(net, { ...data, inputs: [data.inputs[0]!, data.inputs[1]!.slice(1)] } as Dataset<number>)).toThrow(InputError);
    expect(() => new TensorProblemV2(net, { ...data, inputs: [data.inputs[0]!, data.inputs[1]!.slice(1)] } as Dataset<number>)).toThrow(/inputs\[1\]/);
    expect(() => new TensorProblemV2(net, { loss: 'cross-entropy', inputs: data.inputs, targets: [0, 1, 7] })).toThrow(/targets\[2\]/);
    expect(tf.memory().numTensors).toBe(before);
    const problem = new TensorProblemV2(net, data);
    expect(() => problem.hvp([1, 2])).toThrow(`hvp: expected a vector of ${problem.size} entries, got 2`);
    problem.dispose();
  });
});
