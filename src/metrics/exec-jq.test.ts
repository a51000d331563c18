// A metric in a third language, written from docs/protocol.md alone: the path norm in jq
// (examples/jq/path_norm.jq), checked by the battery through --exec like any other program.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { float64Field } from '../field/index.js';
import { datasetIn, networkIn, randomDataset, randomNetwork } from '../network/index.js';
import { checkExecMetric, ExecMetric } from './exec.js';
import type { NetworkV2 } from '../network/v2.js';
import { metricContext } from './contract.js';
import pathNorm from './reference/path-norm.js';

const COMMAND = 'jq --unbuffered -c -f examples/jq/path_norm.jq';
const hasJq = spawnSync('jq', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasJq && process.env.CI) throw new Error('jq is required under CI (Debian package jq; .ci/run installs it)');
if (!hasJq) console.warn('skipping the jq metric: install jq (apt-get install jq)');

describe.skipIf(!hasJq)('a flatcheck.metric/v1 program in jq', () => {
  it('computes the same path norm as the JavaScript reference metric', async () => {
    const exec = new ExecMetric(COMMAND);
    try {
      expect((await exec.hello()).id).toBe('jq-path-norm');
      for (const seed of [1, 2, 3]) {
        const net = networkIn(float64Field, randomNetwork({ inputSize: 3, hidden: [5, 4], outputSize: 2, activation: 'relu', bias: seed !== 2 }, seed));
        const data = datasetIn(float64Field, randomDataset({ inputSize: 3, outputSize: 2, samples: 2, loss: 'mse' }, seed));
        const reply = await exec.evaluate(net, data, seed, 10_000);
        const ctx = await metricContext(net, data, seed);
        const expected = await pathNorm.evaluate(ctx);
        ctx.dispose();
        expect(Math.abs((reply.value as number) - expected)).toBeLessThanOrEqual(1e-13 * expected);
      }
    } finally {
      await exec.close();
    }
  });

  it('answers an error, not silence, for a network that is not v1', async () => {
    const exec = new ExecMetric(COMMAND);
    try {
      const net: NetworkV2<number> = { inputShape: [1, 2, 2], layers: [{ type: 'flatten' }, { type: 'dense', inputs: 4, outputs: 1, weights: [1, 2, 3, 4] }] };
      const reply = await exec.evaluate(net, { loss: 'mse', inputs: [[1, 2, 3, 4]], targets: [[1]] }, 1, 10_000);
      expect(reply.error).toBe('jq-path-norm takes flatcheck.network/v1 networks (MLPs) only, got flatcheck.network/v2');
    } finally {
      await exec.close();
    }
  });

  it('gets the reference path norm\'s verdicts: invariant under all three families, its claims holding', async () => {
    const { report } = await checkExecMetric(COMMAND, { runs: 20 });
    expect(Object.fromEntries(Object.entries(report.families).map(([f, r]) => [f, r.verdict]))).toEqual({ 'layer-scale': 'invariant', 'neuron-scale': 'invariant', permutation: 'invariant' });
    expect(report.claims.ok).toBe(true);
  });
});
