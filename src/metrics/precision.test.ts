import { describe, expect, it } from 'vitest';
import { checkMetric, defineMetric } from './index.js';
import type { Layer } from '../network/types.js';

/** Metrics written in TensorFlow.js compute in float32: the battery holds them to float32's precision, not float64's. */
const tfLoss = defineMetric({ id: 'tf-loss', evaluate: (ctx) => ctx.tf.tf.tidy(() => ctx.tf.loss(ctx.tf.theta).dataSync()[0]!) });
const tfSquares = defineMetric({ id: 'tf-sum-of-squares', evaluate: (ctx) => ctx.tf.tf.tidy(() => ctx.tf.tf.sum(ctx.tf.tf.square(ctx.tf.theta)).dataSync()[0]!) });
/** The path norm in float32, with an off-by-one bug: the first layer's weights are left out. */
const tfPathNormSkipsFirstLayer = defineMetric({
  id: 'tf-path-norm-off-by-one',
  evaluate: (ctx) => {
    const { tf } = ctx.tf;
    const net = ctx.network as { inputSize: number; layers: Layer<number>[] };
    return tf.tidy(() => {
      let v: ReturnType<typeof tf.ones> = tf.ones([net.layers[0]!.weights.length, 1]);
      for (let k = 1; k < net.layers.length; k++) {
        const layer = net.layers[k]!;
        v = tf.matMul(tf.square(tf.tensor2d(layer.weights)), v);
        if (layer.bias) v = tf.add(v, tf.square(tf.tensor2d(layer.bias, [layer.bias.length, 1])));
      }
      return Math.sqrt(tf.sum(v).dataSync()[0]!);
    });
  },
});

describe('a float32 metric is held to float32 precision', () => {
  it('the loss through ctx.tf is invariant under every family at 200 runs', async () => {
    const r = await checkMetric(tfLoss, { runs: 200 });
    expect(Object.values(r.families).map((f) => [f.verdict, f.runs, f.counterexample])).toEqual([
      ['invariant', 200, undefined],
      ['invariant', 200, undefined],
      ['invariant', 200, undefined],
    ]);
  }, 300_000);

  it('through the worker of a module (flatcheck check MODULE) too', async () => {
    const r = await checkMetric(new URL('../../fixtures/metrics/tf-loss.mjs', import.meta.url).pathname, { runs: 30 });
    expect(Object.values(r.families).map((f) => f.verdict)).toEqual(['invariant', 'invariant', 'invariant']);
    expect(r.claims.ok).toBe(true);
  }, 300_000);

  it('negative control: the float32 sum of squared parameters is caught under both scalings', async () => {
    const r = await checkMetric(tfSquares, { runs: 50, families: ['layer-scale', 'neuron-scale'] });
    expect(r.families['layer-scale']!.verdict).toBe('unbounded');
    expect(r.families['neuron-scale']!.verdict).toBe('unbounded');
    for (const f of Object.values(r.families)) expect(Math.abs(f.counterexample!.after - f.counterexample!.before)).toBeGreaterThan(f.counterexample!.tolerance);
  }, 300_000);

  it('negative control: a float32 path norm with an off-by-one layer bug is caught', async () => {
    const r = await checkMetric(tfPathNormSkipsFirstLayer, { runs: 100, families: ['layer-scale', 'neuron-scale'] });
    for (const f of Object.values(r.families)) {
      expect(f.verdict).not.toBe('invariant');
      expect(Math.abs(f.counterexample!.after - f.counterexample!.before)).toBeGreaterThan(f.counterexample!.tolerance);
    }
  }, 300_000);
});
