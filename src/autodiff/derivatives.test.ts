import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import { float64Field, rationalField as Q } from '../field/index.js';
import { fitDataset, networkArbitrary, rawDatasetArbitrary, rational } from '../arbitraries/index.js';
import { datasetIn, flatten, loss, networkIn, parameterCount, parseDataset, parseNetwork, shapeOf, unflatten, type Dataset, type Network } from '../network/index.js';
import { polynomialDerivatives } from './interpolate.js';
import { KinkError } from '../field/errors.js';
import { lossGradient, lossHessian, samplePasses } from './derivatives.js';

const f = (n: number, d = 1) => new Fraction(BigInt(n), BigInt(d));

/**
 * The independent check: off the kinks, φ(t) = L(θ + t·v) is a polynomial of
 * degree ≤ 2K in t, so interpolating it exactly at 2K + 1 points near 0 gives
 * φ'(0) = ∇L·v and φ''(0) = vᵀ∇²L v with no derivative code at all.
 */
function lineDerivatives(net: Network<Fraction>, data: Dataset<Fraction>, v: Fraction[], h: Fraction): [Fraction, Fraction] {
  const theta = flatten(net);
  const { first, second } = polynomialDerivatives((t) => {
    const moved = unflatten(net, theta.map((x, i) => x.add(t.mul(v[i]!))));
    samplePasses(Q, moved, data.inputs); // throws KinkError if a sample point sits on a kink
    return loss(Q, moved, data);
  }, 2 * net.layers.length, h);
  return [first, second];
}

/** Activation patterns equal at every interpolation point (so the polynomial is one piece). */
function samePattern(net: Network<Fraction>, data: Dataset<Fraction>, v: Fraction[], h: Fraction): boolean {
  const K = net.layers.length;
  const theta = flatten(net);
  const pattern = (n: Network<Fraction>) => JSON.stringify(samplePasses(Q, n, data.inputs).map((p) => p.derivatives.map((d) => d.map((x) => x.toFraction()))));
  const base = pattern(net);
  return Array.from({ length: 2 * K + 1 }, (_, i) => h.mul(f(i - K))).every((t) => pattern(unflatten(net, theta.map((x, i) => x.add(t.mul(v[i]!))))) === base);
}

describe('exact gradient and Hessian agree with exact polynomial interpolation along random lines', () => {
  it('∇L·v = φ′(0) and vᵀ∇²L v = φ″(0), exactly, for mse on piecewise-linear networks', () => {
    let checked = 0;
    fc.assert(
      fc.property(
        networkArbitrary({ maxHidden: 3, maxWidth: 4, maxInput: 3, maxOutput: 2 }),
        rawDatasetArbitrary({ maxSamples: 3 }),
        fc.array(rational(6, 6), { minLength: 200, maxLength: 200 }),
        (raw, rawData, pool) => {
          const net = networkIn(Q, raw);
          const data = datasetIn(Q, fitDataset(rawData, shapeOf(raw)));
          const v = pool.slice(0, parameterCount(shapeOf(raw)));
          let H: Fraction[][];
          let g: Fraction[];
          try {
            H = lossHessian(Q, net, data);
            g = lossGradient(Q, net, data);
          } catch (e) {
            fc.pre(!(e instanceof KinkError));
            throw e;
          }
          const h = f(1, 1 << 20);
          fc.pre(samePattern(net, data, v, h));
          const [slope, curvature] = lineDerivatives(net, data, v, h);
          const gv = g.reduce((s, x, i) => s.add(x.mul(v[i]!)), f(0));
          const vHv = H.reduce((s, row, i) => s.add(v[i]!.mul(row.reduce((t, x, j) => t.add(x.mul(v[j]!)), f(0)))), f(0));
          expect(gv.equals(slope)).toBe(true);
          expect(vHv.equals(curvature)).toBe(true);
          H.forEach((row, i) => row.forEach((x, j) => expect(x.equals(H[j]![i]!)).toBe(true)));
          checked++;
        },
      ),
      { numRuns: 100 },
    );
    expect(checked).toBeGreaterThan(60);
  });

  it('a hand-checked one-unit network', () => {
    // f = w2·relu(w1·x), x = 1, target 0, L = (w2 w1)²: ∇ = (2 w1 w2², 2 w1² w2), ∇² = [[2w2², 4w1w2], [4w1w2, 2w1²]].
    const net = networkIn(Q, parseNetwork({ format: 'flatcheck.network/v1', inputSize: 1, layers: [{ weights: [[2]], activation: 'relu' }, { weights: [[3]], activation: 'linear' }] }));
    const data = datasetIn(Q, parseDataset({ format: 'flatcheck.dataset/v1', loss: 'mse', inputs: [[1]], targets: [[0]] }));
    expect(lossGradient(Q, net, data).map(String)).toEqual(['36', '24']);
    expect(lossHessian(Q, net, data).map((r) => r.map(String))).toEqual([['18', '24'], ['24', '8']]);
  });

  it('a pre-activation exactly 0 is reported as a kink, not a number', () => {
    const net = networkIn(Q, parseNetwork({ format: 'flatcheck.network/v1', inputSize: 1, layers: [{ weights: [[1]], bias: [-1], activation: 'relu' }, { weights: [[1]], activation: 'linear' }] }));
    const data = datasetIn(Q, parseDataset({ format: 'flatcheck.dataset/v1', loss: 'mse', inputs: [[1]], targets: [[0]] }));
    expect(() => lossHessian(Q, net, data)).toThrow(KinkError);
    expect(() => lossHessian(Q, net, data)).toThrow('sample 0, layer 0 (0-based), unit 0 has pre-activation exactly 0');
  });

  it('cross-entropy: the float64 gradient matches a central difference of the loss, and a tanh network\'s Hessian one of the gradient', () => {
    const raw = parseNetwork({ format: 'flatcheck.network/v1', inputSize: 2, layers: [{ weights: [[1, -2], [0.5, 1]], bias: [0.1, -0.2], activation: 'relu' }, { weights: [[1, 2], [-1, 0.5], [0.3, 0.3]], activation: 'linear' }] });
    const data = datasetIn(float64Field, parseDataset({ format: 'flatcheck.dataset/v1', loss: 'cross-entropy', inputs: [[1, 0.5], [-0.3, 2]], targets: [2, 0] }));
    const net = networkIn(float64Field, raw);
    const g = lossGradient(float64Field, net, data);
    const theta = flatten(net);
    theta.forEach((_, i) => {
      // Central difference: truncation h²|L‴|/6 ≈ 1e-12 plus rounding u|L|/h ≈ 1e-10, far inside 5e-7.
      const h = 1e-6;
      const at = (d: number) => loss(float64Field, unflatten(net, theta.map((x, j) => (j === i ? x + d : x))), data);
      expect(g[i]!).toBeCloseTo((at(h) - at(-h)) / (2 * h), 6);
    });
    const H = lossHessian(float64Field, net, data);
    expect(H.length).toBe(theta.length);
    const tanh = networkIn(float64Field, { ...raw, layers: [{ ...raw.layers[0]!, activation: 'tanh' }, raw.layers[1]!] });
    const Ht = lossHessian(float64Field, tanh, data);
    theta.forEach((_, j) => {
      // Same error budget as above, one derivative lower.
      const h = 1e-6;
      const at = (d: number) => lossGradient(float64Field, unflatten(tanh, theta.map((x, i) => (i === j ? x + d : x))), data);
      const [plus, minus] = [at(h), at(-h)];
      Ht.forEach((row, i) => expect(row[j]!).toBeCloseTo((plus[i]! - minus[i]!) / (2 * h), 6));
    });
  });
});
