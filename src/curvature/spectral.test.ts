import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../field/random.js';
import { FLOAT64_UNIT_ROUNDOFF, float64Field, rationalField as Q } from '../field/index.js';
import { datasetIn, flatten, networkIn, randomDataset, randomNetwork, shapeOf } from '../network/index.js';
import { lossHessian } from '../autodiff/derivatives.js';
import { applySymmetry } from '../symmetry/index.js';
import { denseHvp, denseTrace, frobeniusNorm, hutchinson, hutchinsonFrobenius, hutchPlusPlus, lanczos, powerIteration, scaledHessian, spectralNorm, symmetricEigenvalues, tridiagonalEigenvaluesByBisection } from './spectral.js';
import { perBlock, scaledSummary } from './index.js';

/** Q diag(λ) Qᵀ with a random orthogonal Q (Householder products), so the eigenvalues are known. */
function withEigenvalues(lambda: number[], seed: number): number[][] {
  const n = lambda.length;
  const rng = new Rng(seed);
  let M = lambda.map((l, i) => lambda.map((_, j) => (i === j ? l : 0)));
  for (let r = 0; r < 3; r++) {
    const v = Array.from({ length: n }, () => rng.normal());
    const s = v.reduce((a, x) => a + x * x, 0);
    const Hh = v.map((a, i) => v.map((b, j) => (i === j ? 1 : 0) - (2 * a * b) / s));
    M = Hh.map((row) => M[0]!.map((_, j) => row.reduce((acc, h, k) => acc + h * M[k]![j]!, 0)));
    M = M.map((row) => Hh[0]!.map((_, j) => row.reduce((acc, m, k) => acc + m * Hh[k]![j]!, 0)));
  }
  return M.map((row, i) => row.map((v, j) => (v + M[j]![i]!) / 2));
}

describe('eigenvalues, Lanczos and power iteration', () => {
  it('the dense eigensolver (Householder + QL) recovers known spectra within its backward-error bound, and Lanczos the top eigenvalue', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 20 }), fc.nat(), (ints, seed) => {
        const lambda = ints.map((x) => x / 64);
        const H = withEigenvalues(lambda, seed);
        const bound = 10 * H.length ** 2 * FLOAT64_UNIT_ROUNDOFF * frobeniusNorm(H) + 1e3 * FLOAT64_UNIT_ROUNDOFF * Math.max(...lambda.map(Math.abs));
        const sorted = [...lambda].sort((a, b) => b - a);
        symmetricEigenvalues(H).forEach((v, i) => expect(Math.abs(v - sorted[i]!)).toBeLessThanOrEqual(bound));
        const top = Math.max(...lambda.map(Math.abs));
        const l = lanczos(denseHvp(H), H.length, { steps: H.length, seed });
        expect(Math.abs(Math.abs(l.values[0]!) - top)).toBeLessThanOrEqual(bound * 10);
      }),
      { numRuns: 50 },
    );
  });

  it('the dense eigensolver is exactly scale-equivariant for powers of two, from 2^-900 to 2^900 (no overflow: entries near 1e200 used to stop QL)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 12 }), fc.nat(), fc.integer({ min: -900, max: 900 }), (ints, seed, k) => {
        const H = withEigenvalues(ints.map((x) => x / 64), seed);
        const scaled = H.map((row) => row.map((v) => v * 2 ** k));
        expect(symmetricEigenvalues(scaled)).toEqual(symmetricEigenvalues(H).map((v) => v * 2 ** k));
      }),
      { numRuns: 100 },
    );
    expect(() => symmetricEigenvalues([[1, Infinity], [Infinity, 1]])).toThrow('non-finite entry');
  });

  it('Lanczos stops on its residual bound: the top Ritz value is within the reported residual of the true top eigenvalue, in far fewer steps than n', () => {
    const n = 300;
    const lambda = Array.from({ length: n }, (_, i) => (i === 0 ? 50 : i === 1 ? -30 : Math.sin(i) * 10));
    const H = withEigenvalues(lambda, 4);
    const l = lanczos(denseHvp(H), n, { tolerance: 1e-10, seed: 1 });
    expect(l.converged).toBe(true);
    expect(l.matvecs).toBeLessThan(n / 3);
    const rounding = 10 * n * FLOAT64_UNIT_ROUNDOFF * frobeniusNorm(H);
    expect(Math.abs(l.values[0]! - 50)).toBeLessThanOrEqual(l.residual + rounding);
    expect(l.residual).toBeLessThanOrEqual(1e-10 * 50);
    // A tolerance it cannot meet in the steps allowed is reported, not hidden.
    const short = lanczos(denseHvp(H), n, { tolerance: 1e-14, steps: 3, seed: 1 });
    expect(short.converged).toBe(false);
    expect(Math.abs(short.values[0]! - 50)).toBeLessThanOrEqual(short.residual + rounding);
  });

  it("the eigensolver's fallback, Sturm bisection on the tridiagonal, agrees with QL to its grid width", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -500, max: 500 }), fc.integer({ min: -500, max: 500 })), { minLength: 1, maxLength: 15 }), (entries) => {
        const d = Float64Array.from(entries, ([a]) => a / 16);
        const e = Float64Array.from(entries, ([, b], i) => (i === entries.length - 1 ? 0 : b / 16));
        const T = entries.map((_, i) => entries.map((__, j) => (i === j ? d[i]! : j === i + 1 ? e[i]! : i === j + 1 ? e[j]! : 0)));
        const ql = symmetricEigenvalues(T);
        const bisection = tridiagonalEigenvaluesByBisection(d, e).sort((x, y) => y - x);
        const bound = 10 * T.length ** 2 * FLOAT64_UNIT_ROUNDOFF * (frobeniusNorm(T) + 1);
        bisection.forEach((v, i) => expect(Math.abs(v - ql[i]!)).toBeLessThanOrEqual(bound));
      }),
      { numRuns: 200 },
    );
  });

  it('power iteration converges on a matrix with a spectral gap', () => {
    const H = withEigenvalues([10, 3, -2, 1, 0.5], 3);
    const p = powerIteration(denseHvp(H), 5, { tolerance: 1e-14 });
    expect(p.values[0]).toBeCloseTo(10, 10);
  });
});

describe('trace estimators', () => {
  it('Hutchinson is within 4 standard errors of the trace (fixed seed, deterministic)', () => {
    const H = withEigenvalues(Array.from({ length: 30 }, (_, i) => (i % 7) - 2), 5);
    const est = hutchinson(denseHvp(H), 30, { probes: 200, seed: 9 });
    expect(Math.abs(est.estimate - denseTrace(H))).toBeLessThanOrEqual(4 * est.standardError);
    expect(est.standardError).toBeGreaterThan(0);
  });

  it('the Frobenius estimate (Hutchinson on H²) is within 5 standard errors of ‖H‖_F, and exact on a diagonal ±1 spectrum', () => {
    const H = withEigenvalues(Array.from({ length: 40 }, (_, i) => (i % 5) - 2 + i / 10), 7);
    const est = hutchinsonFrobenius(denseHvp(H), 40, { probes: 200, seed: 3 });
    expect(Math.abs(est.estimate - frobeniusNorm(H))).toBeLessThanOrEqual(5 * est.standardError);
    expect(est.standardError).toBeGreaterThan(0);
    // For H = diag(±1), ‖Hz‖² = n for every Rademacher z: no sampling error at all.
    const D = Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? (i % 2 ? 1 : -1) : 0)));
    const exact = hutchinsonFrobenius(denseHvp(D), 10, { probes: 5, seed: 1 });
    expect(exact.estimate).toBe(Math.sqrt(10));
    expect(exact.standardError).toBe(0);
  });

  it('Hutch++ is exact (up to rounding) when the rank fits in its sketch', () => {
    const lambda = Array.from({ length: 40 }, (_, i) => (i < 5 ? 10 * (i + 1) : 0));
    const H = withEigenvalues(lambda, 2);
    const est = hutchPlusPlus(denseHvp(H), 40, { budget: 30, seed: 1 });
    expect(Math.abs(est.estimate - 150)).toBeLessThan(1e-9 * 150);
  });
});

describe('per-block curvature and the scaled Hessian T·H·T', () => {
  it('blocks partition θ layer by layer (weights, then bias) and the layer trace is their sum', () => {
    const raw = randomNetwork({ inputSize: 3, hidden: [4], outputSize: 2, activation: 'relu', bias: true }, 1);
    const net = networkIn(float64Field, raw);
    const H = lossHessian(float64Field, net, datasetIn(float64Field, randomDataset({ inputSize: 3, outputSize: 2, samples: 6, loss: 'mse' }, 2)));
    const blocks = perBlock(H, shapeOf(net));
    expect(blocks.map((b) => [b.block, b.from, b.to])).toEqual([
      ['layer 1', 0, 16], ['layer 1 weights', 0, 12], ['layer 1 bias', 12, 16],
      ['layer 2', 16, 26], ['layer 2 weights', 16, 24], ['layer 2 bias', 24, 26],
    ]);
    const layerSum = blocks.filter((b) => b.block.startsWith('layer') && !b.block.includes(' weights') && !b.block.includes(' bias')).reduce((s, b) => s + b.trace, 0);
    expect(Math.abs(layerSum - denseTrace(H))).toBeLessThanOrEqual(64 * FLOAT64_UNIT_ROUNDOFF * H.reduce((s, r, i) => s + Math.abs(r[i]!), 0));
    expect(scaledSummary(H, flatten(net)).trace).toBeGreaterThanOrEqual(0);
  });

  it('T·H·T is exactly invariant under layer-scale and neuron-scale (rationals)', () => {
    const raw = randomNetwork({ inputSize: 2, hidden: [3, 2], outputSize: 1, activation: 'relu', bias: true }, 4);
    const net = networkIn(Q, raw);
    const data = datasetIn(Q, randomDataset({ inputSize: 2, outputSize: 1, samples: 5, loss: 'mse' }, 5));
    const tht = (n: typeof net) => {
      const H = lossHessian(Q, n, data);
      const t = flatten(n).map((x) => x.abs());
      return H.map((row, i) => row.map((v, j) => t[i]!.mul(v).mul(t[j]!).toFraction()));
    };
    const before = tht(net);
    expect(tht(applySymmetry(Q, net, { kind: 'layer-scale', alphas: [8, 1 / 16, 2] }))).toEqual(before);
    expect(tht(applySymmetry(Q, net, { kind: 'neuron-scale', layer: 2, scales: [1 / 3, 5].map((x) => Q.fromScalar(x)) }))).toEqual(before);
    expect(spectralNorm(scaledHessian([[1]], [2]))).toBe(4);
  });
});
