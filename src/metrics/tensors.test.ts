import { describe, expect, it } from 'vitest';
import { tf } from '../tensor/backend.js';
import { float64Field } from '../field/float64.js';
import { datasetIn, networkIn } from '../network/index.js';
import { checkMetric, defineMetric } from './index.js';
import { inProcess, MetricFailure } from './evaluate.js';

const net = networkIn(float64Field, { inputSize: 2, layers: [{ weights: [[1, -2], [0.5, 1]], bias: [0.25, -0.5], activation: 'relu' }, { weights: [[1, 1]], bias: [0], activation: 'linear' }] });
const data = datasetIn(float64Field, { inputs: [[1, 2], [-1, 0.5]], targets: [[1], [0]], loss: 'mse' });
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('each in-process evaluation runs in its own tfjs scope', () => {
  it('tensors a metric creates without tidy are disposed with its evaluation, and the run says how many', async () => {
    const leaky = defineMetric({ id: 'leaky', evaluate: (ctx) => ctx.tf.tf.sum(ctx.tf.tf.square(ctx.tf.theta)).dataSync()[0]! });
    const run = inProcess(leaky);
    await run(net, data); // the tensor backend's own first-use state
    const before = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) expect((await run(net, data)).leftTensors).toBe(2); // square and sum
    expect(tf.memory().numTensors).toBe(before);
    const r = await checkMetric(leaky, { runs: 5, families: ['permutation'] });
    expect(r.families.permutation!.leftTensors).toBeGreaterThanOrEqual(10);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('concurrent evaluations (two matchers at once) take turns: neither ends the other\'s scope', async () => {
    const slowLeaky = defineMetric({
      id: 'slow-leaky',
      evaluate: async (ctx) => {
        const kept = ctx.tf.tf.square(ctx.tf.theta);
        await sleep(5);
        return ctx.tf.tf.sum(kept).dataSync()[0]!; // kept must not have been disposed meanwhile
      },
    });
    const run = inProcess(slowLeaky);
    await run(net, data);
    const before = tf.memory().numTensors;
    const results = await Promise.all(Array.from({ length: 10 }, () => run(net, data)));
    expect(results.map((r) => r.leftTensors)).toEqual(new Array(10).fill(2));
    expect(new Set(results.map((r) => r.value)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a tidy metric leaves nothing and is not flagged', async () => {
    const tidy = defineMetric({ id: 'tidy', evaluate: (ctx) => ctx.tf.tf.tidy(() => ctx.tf.loss(ctx.tf.theta).dataSync()[0]!) });
    const r = await checkMetric(tidy, { runs: 5, families: ['permutation'] });
    expect(r.families.permutation!.leftTensors).toBeUndefined();
  });

  it('a late async continuation (ctx.tf first used after the time limit) gets a clear error and allocates nothing', async () => {
    const late: unknown[] = [];
    const slow = defineMetric({
      id: 'slow',
      evaluate: async (ctx) => {
        // Far past the 5 ms limit: on a loaded machine a 20 ms sleep once finished before the limit's timer ran.
        await sleep(200);
        try {
          return ctx.tf.tf.sum(ctx.tf.tf.ones([3])).dataSync()[0]!;
        } catch (e) {
          late.push(e);
          throw e;
        }
      },
    });
    const run = inProcess(slow, 5);
    await inProcess(defineMetric({ id: 'warm', evaluate: (ctx) => ctx.tf.tf.tidy(() => ctx.tf.tf.sum(ctx.tf.theta).dataSync()[0]!) }))(net, data);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 30; i++) await expect(run(net, data)).rejects.toThrow(new MetricFailure('timed out after 5 ms'));
    await sleep(400);
    expect(late).toHaveLength(30);
    expect((late[0] as Error).message).toMatch(/^ctx\.tf was used after its evaluation ended \(it returned or timed out\)/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
