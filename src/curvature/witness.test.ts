import { describe, expect, it } from 'vitest';
import { Fraction } from 'mathjs';
import { rationalField as Q } from '../field/index.js';
import { datasetIn, forward, networkIn, type Dataset } from '../network/index.js';
import { lossHessian } from '../autodiff/derivatives.js';
import { certifyManyEigenvalues, findManyEigenvaluesWitness } from './witness.js';

const f = (n: bigint, d = 1n) => new Fraction(n, d);

/** A teacher minimum: the data's targets are the network's own outputs. */
function minimum(layers: { weights: number[][]; bias?: number[]; activation: 'relu' | 'linear' }[]) {
  const net = networkIn(Q, { inputSize: 1, layers });
  const inputs = [[1], [2], [3], [-3]].map((r) => r.map((x) => Q.fromScalar(x)));
  const data: Dataset<Fraction> = { loss: 'mse', inputs, targets: forward(Q, net, inputs) };
  return { net, data: datasetIn(Q, data) };
}

describe('Theorem 5 witness', () => {
  it('reaches M = 1e200 (β up to 2^16384) and certifies the count at T_α θ', () => {
    const { net, data } = minimum([{ weights: [[1]], activation: 'relu' }, { weights: [[1], [2]], activation: 'linear' }]);
    const M = f(10n ** 200n);
    const w = findManyEigenvaluesWitness(net, lossHessian(Q, net, data), M);
    expect(w.guaranteed).toBe(1);
    expect(certifyManyEigenvalues(net, data, w.alphas, M).countAbove).toBeGreaterThanOrEqual(1);
  });

  it('refuses networks with biases, where r − min_k n_k can be out of reach (b_K never scales)', () => {
    const { net, data } = minimum([{ weights: [[1]], bias: [0.5], activation: 'relu' }, { weights: [[1], [2]], bias: [0.25, -0.5], activation: 'linear' }]);
    expect(() => findManyEigenvaluesWitness(net, lossHessian(Q, net, data), f(10n))).toThrow('layers[0].bias: expected a network without biases (Theorem 5 is stated without them), got "present"');
  });
});
