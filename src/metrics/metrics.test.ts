import { beforeAll, describe, expect, it } from 'vitest';
import { float64Field, FLOAT32_UNIT_ROUNDOFF } from '../field/index.js';
import { datasetIn, networkIn, parseNetwork, randomDataset, randomNetwork } from '../network/index.js';
import { applySymmetry, type Symmetry } from '../symmetry/index.js';
import { loadRegistry, metricContext, type Metric } from './index.js';

const F = float64Field;
let registry: Metric[] = [];
beforeAll(async () => {
  registry = await loadRegistry();
});

const net = networkIn(F, randomNetwork({ inputSize: 3, hidden: [4, 3], outputSize: 2, activation: 'relu', bias: true }, 21));
const data = datasetIn(F, randomDataset({ inputSize: 3, outputSize: 2, samples: 6, loss: 'mse' }, 22));

async function evaluate(metric: Metric, network = net, dataset = data): Promise<number> {
  const ctx = await metricContext(network, dataset, 1);
  try {
    return await metric.evaluate(ctx);
  } finally {
    ctx.dispose();
  }
}

describe('the metric registry', () => {
  it('loads every reference metric, with unique ids, each giving a finite number', async () => {
    expect(registry.length).toBeGreaterThanOrEqual(10);
    for (const m of registry) expect(Number.isFinite(await evaluate(m)), m.id).toBe(true);
  });

  it('the path norm of a hand-checked net: √(2² + 3²)', async () => {
    const tiny = networkIn(F, parseNetwork({ format: 'flatcheck.network/v1', inputSize: 1, layers: [{ weights: [[2], [3]], activation: 'relu' }, { weights: [[1, -1]], activation: 'linear' }] }));
    const tinyData = datasetIn(F, { loss: 'mse', inputs: [[1]], targets: [[0]] });
    expect(await evaluate(registry.find((m) => m.id === 'path-norm')!, tiny, tinyData)).toBe(Math.sqrt(13));
  });

  // Power-of-two scalings are exact in floats (away from subnormals): a metric invariant under a family
  // must then give the *same double*, and a metric claimed unbounded must move.
  const exactSymmetries: Record<'layer-scale' | 'neuron-scale', Symmetry> = {
    'layer-scale': { kind: 'layer-scale', alphas: [8, 1 / 4, 1 / 2] },
    'neuron-scale': { kind: 'neuron-scale', layer: 2, scales: [4, 1 / 8, 2] },
  };
  it('claims hold on exact power-of-two symmetries: invariant metrics agree bit for bit, unbounded ones move', async () => {
    for (const m of registry) {
      for (const family of ['layer-scale', 'neuron-scale'] as const) {
        const moved = applySymmetry(F, net, exactSymmetries[family]);
        const [before, after] = [await evaluate(m), await evaluate(m, moved)];
        if (m.claims?.invariant?.includes(family)) expect(after, `${m.id} under ${family}`).toBe(before);
        if (m.claims?.unbounded?.includes(family)) expect(after, `${m.id} under ${family}`).not.toBe(before);
      }
    }
  });
});

describe('the metric context', () => {
  it('creates tensors only when ctx.tf is used, agrees with the float64 loss, and disposes them all', async () => {
    const { tf } = await import('../tensor/backend.js');
    const before = tf.memory().numTensors;
    const unused = await metricContext(net, data, 1);
    unused.loss();
    expect(tf.memory().numTensors).toBe(before);
    unused.dispose();
    const ctx = await metricContext(net, data, 1);
    const value = ctx.tf.tf.tidy(() => ctx.tf.loss(ctx.tf.theta).arraySync());
    // float32 against float64: the derived forward and loss bounds at u = 2^-24 (float64's own error is far below).
    const { forwardErrorBound, mseLossGapBound } = await import('../network/bounds.js');
    const { forward } = await import('../network/forward.js');
    const u32 = FLOAT32_UNIT_ROUNDOFF;
    if (data.loss !== 'mse') throw new Error('unreachable');
    const gap = forwardErrorBound(net, data.inputs, { u: u32, weightPerturbation: u32, inputPerturbation: u32 });
    expect(Math.abs(value - ctx.loss())).toBeLessThanOrEqual(2 * mseLossGapBound(forward(F, net, data.inputs), data.targets, gap, u32));
    ctx.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the metric context on an MLP: Hessian-vector products', () => {
  it('ctx.hvp(v, θ) is H(θ)·v of ctx.hessian(θ), at θ and at another point, to float64 rounding', async () => {
    const ctx = await metricContext(net, data, 1);
    const P = ctx.theta.length;
    const v = Array.from({ length: P }, (_, i) => Math.sin(i + 1));
    const other = ctx.theta.map((x, i) => x * (1 + 0.01 * Math.cos(i)));
    for (const theta of [undefined, other]) {
      const H = ctx.hessian(theta);
      const expected = H.map((row) => row.reduce((s, h, j) => s + h * v[j]!, 0));
      const got = ctx.hvp(v, theta);
      // Two float64 evaluations of the same sums in other orders: a few hundred roundings of 2^-53 of Σ|H_ij v_j|.
      H.forEach((row, i) => expect(Math.abs(got[i]! - expected[i]!), `entry ${i}`).toBeLessThanOrEqual(1e-12 * row.reduce((s, h, j) => s + Math.abs(h * v[j]!), 0) + 1e-300));
    }
    // Could fail: the Hessian at the other point is not the one at θ.
    expect(ctx.hvp(v, other)).not.toEqual(ctx.hvp(v));
    ctx.dispose();
  });
});

describe('the metric context on a layered network', () => {
  it('gives the v2 network as its file, float64 derivatives by reverse mode, and ctx.tf from the v2 tensor engine, leaving no tensors', async () => {
    const { tf } = await import('../tensor/backend.js');
    const { randomNetworkV2, randomDatasetV2 } = await import('../network/random.js');
    const { networkV2In } = await import('../network/v2.js');
    const { lossGradientV2 } = await import('../autodiff/v2.js');
    const scalar = randomNetworkV2({ architecture: 'cnn', inputShape: [1, 5, 5], stages: [{ width: 2, kernel: 3, pool: { type: 'maxpool2d', size: 2 } }], outputSize: 2, activation: 'relu', bias: true }, 3);
    const layered = networkV2In(float64Field, scalar);
    const data = datasetIn(float64Field, randomDatasetV2(scalar, { samples: 3, loss: 'mse' }, 4));
    const before = tf.memory().numTensors;
    const ctx = await metricContext(layered, data, 1);
    expect((ctx.network as { format: string }).format).toBe('flatcheck.network/v2');
    expect(ctx.gradient()).toEqual(lossGradientV2(float64Field, layered, data));
    const value = ctx.tf.tf.tidy(() => ctx.tf.loss(ctx.tf.theta).arraySync());
    // float32 against float64 on a loss of order 1: a few hundred roundings of 2^-24 at most, far inside 1e-4 relative.
    expect(Math.abs(value - ctx.loss())).toBeLessThan(1e-4 * Math.max(1, ctx.loss()));
    ctx.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
