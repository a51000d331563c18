// Uses the matchers the way an outside project would: through the package's own `flatcheck/vitest` subpath.
import { describe, expect, it } from 'vitest';
import 'flatcheck/vitest';
import { defineMetric } from 'flatcheck';

const pathNorm = defineMetric({
  id: 'my-path-norm',
  evaluate(ctx) {
    const net = ctx.network as { inputSize: number; layers: { weights: number[][]; bias?: number[] }[] };
    let v = new Array<number>(net.inputSize).fill(1);
    for (const layer of net.layers) v = layer.weights.map((row, i) => row.reduce((s, w, j) => s + w * w * v[j]!, layer.bias ? layer.bias[i]! ** 2 : 0));
    return Math.sqrt(v.reduce((a, b) => a + b, 0));
  },
});
const weightDecay = defineMetric({ id: 'weight-decay', evaluate: (ctx) => ctx.theta.reduce((s, t) => s + t * t, 0) });

describe('flatcheck/vitest matchers', () => {
  it('toBeInvariantUnder passes for the path norm and fails, with a counterexample, for weight decay', async () => {
    await expect(pathNorm).toBeInvariantUnder('neuron-scale', { runs: 10 });
    await expect(weightDecay).not.toBeInvariantUnder('layer-scale', { runs: 10 });
    await expect(expect(weightDecay).toBeInvariantUnder('layer-scale', { runs: 10 })).rejects.toThrow(/expected weight-decay to be invariant under layer-scale; verdict: unbounded\ncounterexample/);
  });

  it('toBeUnboundedUnder', async () => {
    await expect(weightDecay).toBeUnboundedUnder('neuron-scale', { runs: 10 });
    await expect(pathNorm).not.toBeUnboundedUnder('layer-scale', { runs: 10 });
  });

  it('the matchers take a metric program too ({ exec }), with the same verdicts as flatcheck check --exec', async () => {
    await expect({ exec: 'python3 examples/python/path_norm.py' }).toBeInvariantUnder('layer-scale', { runs: 10 });
    await expect(expect({ exec: 'node fixtures/exec/node-metric.mjs ok' }).toBeInvariantUnder('neuron-scale', { runs: 10 })).rejects.toThrow(/to be invariant under neuron-scale; verdict: unbounded/);
  });
});
