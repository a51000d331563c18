import { beforeAll, describe, expect, it } from 'vitest';
import { float64Field } from '../field/index.js';
import { datasetIn, networkIn, randomDataset, randomNetwork } from '../network/index.js';
import { lossGradient, lossHessian } from '../autodiff/derivatives.js';
import { gradientErrorBound, hessianErrorBound } from '../autodiff/bounds.js';
import { FLOAT32_UNIT_ROUNDOFF, FLOAT64_UNIT_ROUNDOFF } from '../field/index.js';
import { initTensorBackend, tf } from './backend.js';
import { TensorProblem } from './derivatives.js';

beforeAll(async () => {
  await initTensorBackend();
});

const net = networkIn(float64Field, randomNetwork({ inputSize: 3, hidden: [5, 4], outputSize: 2, activation: 'leaky-relu', bias: true }, 11));
const data = datasetIn(float64Field, randomDataset({ inputSize: 3, outputSize: 2, samples: 6, loss: 'mse' }, 12));

describe('TensorProblem', () => {
  it('HVPs agree with the float64 analytic Hessian within the derived float32 bound', () => {
    const problem = new TensorProblem(net, data);
    try {
      const H = lossHessian(float64Field, net, data);
      if (data.loss !== 'mse') throw new Error('unreachable');
      const bound = hessianErrorBound(net, data, { u: FLOAT32_UNIT_ROUNDOFF, inputPerturbation: FLOAT32_UNIT_ROUNDOFF });
      const dense = problem.hessian();
      dense.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - H[i]![j]!)).toBeLessThanOrEqual(bound[i]![j]!)));
      const g = lossGradient(float64Field, net, data);
      // float32 (with converted inputs: a few more factors of u) against float64: both within their bounds.
      const g32 = gradientErrorBound(net, data, 2 * FLOAT32_UNIT_ROUNDOFF);
      const g64 = gradientErrorBound(net, data, FLOAT64_UNIT_ROUNDOFF);
      problem.gradient().forEach((v, i) => expect(Math.abs(v - g[i]!)).toBeLessThanOrEqual(g32[i]! + g64[i]!));
    } finally {
      problem.dispose();
    }
  });

  it('leaks no tensors over 300 gradients and HVPs', () => {
    const problem = new TensorProblem(net, data);
    const v = Array.from({ length: problem.size }, (_, i) => Math.cos(i));
    problem.hvp(v);
    const start = tf.memory().numTensors;
    for (let i = 0; i < 150; i++) {
      problem.gradient();
      problem.hvp(v);
    }
    expect(tf.memory().numTensors).toBe(start);
    problem.dispose();
    expect(() => problem.hvp([1])).toThrow(`hvp: expected a vector of ${problem.size} entries, got 1`);
  });
});
