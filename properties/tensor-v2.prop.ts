// Source: docs/theory.md §6 (float tolerances come from an error bound), for
// v2 networks: TensorFlow.js's float32 double-backprop Hessian-vector
// products and dense Hessians of convolutional, pooling, batch-norm (eval
// and train mode) and residual networks, with relu, tanh, softplus and the
// cross-entropy loss, agree entrywise with the float64 forward-over-reverse
// ones of src/autodiff/v2.ts within the derived bound of
// src/autodiff/v2-bounds.ts (running error bounds through the same generic
// code). The negative control differentiates a convolution's filter gradient
// no further (the term tfjs's own conv2d cannot give on wasm, dropped) and
// must be caught.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { expectFailure, runs } from '../src/arbitraries/index.js';
import { FLOAT32_UNIT_ROUNDOFF as u32, FLOAT64_UNIT_ROUNDOFF as u64, float64Field as F } from '../src/field/index.js';
import { Rng } from '../src/field/random.js';
import type { ActivationName, Dataset } from '../src/network/types.js';
import { layerOutputShape, parameterCountV2, sequenceShapes, size, someLayer, walkLayers, type LayerV2, type NetworkV2 } from '../src/network/v2.js';
import { lossHessianV2, lossHessianVectorProductV2 } from '../src/autodiff/v2.js';
import { hessianErrorBoundV2, hvpErrorBoundV2 } from '../src/autodiff/v2-bounds.js';
import { initTensorBackend, tf } from '../src/tensor/index.js';
import { convFilterGradient, convInputGradient, TensorProblemV2, TWICE_DIFFERENTIABLE_V2, type OpsV2 } from '../src/tensor/v2.js';
import { floatLayers } from '../src/tensor/v2-fixtures.js';

beforeAll(async () => {
  await initTensorBackend();
});

/** float32 against float64: both engines' round-offs, and every leaf converted to float32. */
const ENGINES = { u: u32 + u64, inputPerturbation: u32 };

const KINDS = ['conv', 'maxpool', 'avgpool', 'batchnorm-eval', 'batchnorm-train', 'residual-identity', 'residual-projection', 'features'] as const;
type Kind = (typeof KINDS)[number];

interface Case {
  kind: Kind;
  net: NetworkV2<number>;
  data: Dataset<number>;
  /** The HVP's direction. */
  v: number[];
}

/**
 * A small v2 network of one kind: its sizes, activation, loss and seed are
 * drawn (and shrink towards small); weights, data and v come from the seed.
 */
const caseArbitrary: fc.Arbitrary<Case> = fc
  .record({
    kind: fc.constantFrom(...KINDS),
    channels: fc.integer({ min: 1, max: 2 }),
    height: fc.integer({ min: 3, max: 4 }),
    width: fc.integer({ min: 3, max: 4 }),
    hidden: fc.integer({ min: 1, max: 2 }),
    kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    stride: fc.integer({ min: 1, max: 2 }),
    padding: fc.integer({ min: 0, max: 1 }),
    pool: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    activation: fc.constantFrom<ActivationName>('relu', 'tanh', 'softplus', 'leaky-relu'),
    bias: fc.boolean(),
    epsilon: fc.constantFrom(1e-5, 1e-3, 0.1),
    outputs: fc.integer({ min: 2, max: 3 }),
    samples: fc.integer({ min: 2, max: 3 }),
    loss: fc.constantFrom<Dataset<number>['loss']>('mse', 'cross-entropy'),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .map((p): Case => {
    const rng = new Rng(p.seed);
    const { normal, conv, dense, act: activation, batchnorm: normalisation } = floatLayers(rng, { bias: p.bias });
    const act = activation(p.activation, p.activation === 'leaky-relu' ? 0.2 : undefined);
    const batchnorm = (C: number, mode: 'eval' | 'train') => normalisation(C, mode, p.epsilon);
    const [kh, kw] = p.kernel;
    // No window entirely in the padding (a constant there is a kink or a tie to the reference, which then refuses the case).
    const padding = kh >= 2 && kw >= 2 ? p.padding : 0;
    const c = p.hidden;
    // A same-size convolution for residual bodies: odd kernels, padding (k − 1)/2.
    const k = kh >= 2 ? 3 : 1;
    const same = (inC: number, outC: number) => conv(inC, outC, k, k, 1, (k - 1) / 2);
    let inputShape: number[] = [p.channels, p.height, p.width];
    let body: LayerV2<number>[];
    switch (p.kind) {
      case 'conv':
        body = [conv(p.channels, c, kh, kw, p.stride, padding), act];
        break;
      case 'maxpool':
      case 'avgpool': {
        const first = conv(p.channels, c, kh, kw, 1, padding);
        // The window fits what the convolution leaves.
        const [, h, w] = layerOutputShape(first, inputShape, 'conv');
        body = [first, act, { type: p.kind === 'maxpool' ? 'maxpool2d' : 'avgpool2d', size: Math.min(p.pool[0], h!, w!), stride: p.pool[1] }];
        break;
      }
      case 'batchnorm-eval':
      case 'batchnorm-train':
        body = [conv(p.channels, c, kh, kw, p.stride, padding), batchnorm(c, p.kind === 'batchnorm-eval' ? 'eval' : 'train'), act];
        break;
      case 'residual-identity':
        body = [same(p.channels, c), { type: 'residual', body: [act, same(c, c)] }, act];
        break;
      case 'residual-projection':
        body = [{ type: 'residual', body: [same(p.channels, c), act, conv(c, c, 1, 1, 1, 0)], skip: conv(p.channels, c, 1, 1, 1, 0, false) }, act];
        break;
      case 'features': {
        // A [n] input: batch norm per feature, its mode drawn by the otherwise unused stride.
        inputShape = [p.height];
        const n = c + 1;
        body = [dense(p.height, n), batchnorm(n, p.stride === 1 ? 'train' : 'eval'), act, { type: 'residual', body: [dense(n, c, true), act], skip: dense(n, c, false) }];
        break;
      }
    }
    const flat = size(sequenceShapes(body, inputShape).at(-1)!);
    const net: NetworkV2<number> = { inputShape, layers: [...body, ...(inputShape.length === 3 ? [{ type: 'flatten' } as const] : []), dense(flat, p.outputs)] };
    const inputs = Array.from({ length: p.samples }, () => normal(size(inputShape)));
    const data: Dataset<number> =
      p.loss === 'mse' ? { loss: 'mse', inputs, targets: Array.from({ length: p.samples }, () => normal(p.outputs)) } : { loss: 'cross-entropy', inputs, targets: Array.from({ length: p.samples }, () => rng.int(0, p.outputs - 1)) };
    return { kind: p.kind, net, data, v: normal(parameterCountV2(net)) };
  });

const activation = (c: Case) => (c.net.layers.find((l) => l.type === 'activation') as { activation: ActivationName } | undefined)?.activation ?? 'none';
const label = (c: Case) => `${c.kind}, ${activation(c)}, ${c.data.loss}`;

/** max |tfjs − float64| / bound over the entries (0/0 counts as 0); discarded where the bound does not apply. */
const worst = (values: readonly number[], reference: readonly number[], bound: readonly number[]) => values.reduce((w, x, i) => Math.max(w, x === reference[i] ? 0 : Math.abs(x - reference[i]!) / bound[i]!), 0);

function hvpGap({ net, data, v }: Case, ops: OpsV2 = TWICE_DIFFERENTIABLE_V2): number {
  const bound = hvpErrorBoundV2(net, data, v, ENGINES);
  fc.pre(bound !== undefined);
  const reference = lossHessianVectorProductV2(F, net, data, v);
  const problem = new TensorProblemV2(net, data, ops);
  try {
    return worst(problem.hvp(v), reference, bound!);
  } finally {
    problem.dispose();
  }
}

function hessianGap({ net, data }: Case): number {
  const bound = hessianErrorBoundV2(net, data, ENGINES);
  fc.pre(bound !== undefined);
  const reference = lossHessianV2(F, net, data);
  const problem = new TensorProblemV2(net, data);
  try {
    return worst(problem.hessian().flat(), reference.flat(), bound!.flat());
  } finally {
    problem.dispose();
  }
}

/** Runs `gap` as a property: every case within its bound, most cases in scope; prints the largest gap/bound seen. */
function assertWithinBound(name: string, gap: (c: Case) => number, numRuns: number): void {
  let tried = 0;
  let largest = 0;
  const checked = new Map<string, number>();
  fc.assert(
    fc.property(caseArbitrary, (c) => {
      tried++;
      const g = gap(c);
      checked.set(c.kind, (checked.get(c.kind) ?? 0) + 1);
      largest = Math.max(largest, g);
      expect(g, label(c)).toBeLessThanOrEqual(1);
    }),
    runs(numRuns),
  );
  const done = [...checked.values()].reduce((a, b) => a + b, 0);
  console.info(`${name}: ${done} of ${tried} cases in scope (${[...checked].map(([k, n]) => `${k} ${n}`).join(', ')}); largest |tfjs − float64| / bound ${largest.toPrecision(3)}`);
  // The bound applies to most cases (a branch within float32's error of its threshold, or a kink, is rare).
  expect(done).toBeGreaterThanOrEqual(0.9 * tried);
  expect(tf.memory().numTensors).toBeLessThan(50);
}

/** A convolution whose filter gradient is a constant to a second backprop: the HVP loses the conv weights' columns. */
const ONCE_DIFFERENTIABLE_CONV: OpsV2 = {
  ...TWICE_DIFFERENTIABLE_V2,
  conv2d: (x, filter, stride) => {
    const [kh, kw] = filter.shape;
    const constantFilterGradient = tf.customGrad((input, dy) => ({
      value: convFilterGradient(input as tf.Tensor4D, dy as tf.Tensor4D, kh, kw, stride),
      gradFunc: () => [tf.zerosLike(input as tf.Tensor), tf.zerosLike(dy as tf.Tensor)],
    }));
    const op = tf.customGrad((input, w, save) => {
      (save as tf.GradSaveFunc)([input as tf.Tensor, w as tf.Tensor]);
      return {
        value: tf.conv2d(input as tf.Tensor4D, w as tf.Tensor4D, stride, 'valid'),
        gradFunc: (dy, [sx, sw]) => [convInputGradient(dy as tf.Tensor4D, sw as tf.Tensor4D, (sx as tf.Tensor4D).shape, stride), constantFilterGradient(sx!, dy as tf.Tensor)],
      };
    });
    return op(x, filter) as tf.Tensor4D;
  },
};

describe('tfjs v2 second derivatives agree with float64 forward-over-reverse within the derived bound', () => {
  it('the generator reaches every kind, activation and loss, padding, strides, non-square kernels and overlapping pools', () => {
    const traits = (c: Case): string[] => {
      const found = [c.kind, activation(c), c.data.loss];
      walkLayers(c.net.layers, (l) => {
        if (l.type === 'conv2d' && l.padding > 0) found.push('padded');
        if (l.type === 'conv2d' && l.stride > 1) found.push('strided');
        if (l.type === 'conv2d' && l.kernelHeight !== l.kernelWidth) found.push('non-square');
        // The transposed convolution's hardest case: stride and padding together, windows overlapping.
        if (l.type === 'conv2d' && l.stride > 1 && l.padding > 0 && Math.max(l.kernelHeight, l.kernelWidth) > l.stride) found.push('strided, padded, overlapping');
        if ((l.type === 'maxpool2d' || l.type === 'avgpool2d') && l.stride < l.size) found.push('overlapping pool');
      });
      return found;
    };
    const seen = new Set<string>();
    fc.statistics(caseArbitrary, (c) => (traits(c).forEach((t) => seen.add(t)), c.kind), { numRuns: 300, logger: (line) => console.info(line) });
    expect([...seen].sort()).toEqual([...KINDS, 'relu', 'tanh', 'softplus', 'leaky-relu', 'mse', 'cross-entropy', 'padded', 'strided', 'non-square', 'strided, padded, overlapping', 'overlapping pool'].sort());
  });

  it('every HVP entry, along a random direction', () => {
    assertWithinBound('HVPs', hvpGap, 150);
  });

  it('every dense Hessian entry', () => {
    assertWithinBound('Hessians', hessianGap, 30);
  });

  it('negative control: a convolution filter gradient not differentiated again is caught, on a small network', () => {
    const convNets = caseArbitrary.filter((c) => someLayer(c.net, (l) => l.type === 'conv2d'));
    const caught = expectFailure(fc.property(convNets, (c) => hvpGap(c, ONCE_DIFFERENTIABLE_CONV) <= 1), runs(40));
    const [c] = caught.counterexample;
    console.info(`once-differentiable conv: caught, ${label(c)}, ${parameterCountV2(c.net)} parameters, seed ${caught.seed}`);
    expect(parameterCountV2(c.net)).toBeLessThanOrEqual(60);
  });
});
