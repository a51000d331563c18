// Source: Dinh et al. (ICML 2017), Theorems 4, 5 and 6 (THEORY.md §3): at a
// minimum the Hessian's spectral norm and trace are unbounded along the
// α-scale orbit, many of its eigenvalues can be made large at once, and at a
// non-critical point the gradient norm is unbounded. Each claim comes with a
// witness α and an exact certificate recomputed at T_α θ (never via the law).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import { expectFailure, offKinks, randomPointArbitrary, runs, teacherStudentArbitrary, type NetworkAndData } from '../src/arbitraries/index.js';
import { rationalField as Q } from '../src/field/index.js';
import { datasetIn, networkIn, type Dataset, type Network } from '../src/network/index.js';
import { lossGradient, lossHessian } from '../src/autodiff/derivatives.js';
import { applySymmetry } from '../src/symmetry/index.js';
import {
  certifyGradientWitness, certifyHessianWitness, certifyManyEigenvalues, findFlatWitness, findGradientWitness, findHessianWitness, findManyEigenvaluesWitness,
  traceBlocks, withinOfInfimum,
} from '../src/curvature/witness.js';
import { covers } from '../src/report/covers.js';

function exactCase({ network, dataset }: NetworkAndData): { net: Network<Fraction>; data: Dataset<Fraction> } {
  return { net: networkIn(Q, network), data: datasetIn(Q, dataset) };
}

/** Bounds from 1 to 1e12 and beyond, as exact rationals (10^k and a few awkward ones). */
const bounds = fc.oneof(
  fc.integer({ min: 0, max: 15 }).map((k) => new Fraction(10n ** BigInt(k), 1n)),
  fc.tuple(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 1, max: 7 })).map(([p, q]) => new Fraction(BigInt(p) * 10n ** 9n, BigInt(q))),
);

const oneHiddenMinimum = teacherStudentArbitrary({ maxHidden: 1, maxWidth: 4, maxInput: 3, maxOutput: 2 }, { minSamples: 1, maxSamples: 4 });

describe('Theorem 4: ∀ one-hidden-layer minimum with ∇²L ≠ 0, ∀M ∃α: |||∇²L(T_α θ)|||₂ ≥ M and Tr ∇²L(T_α θ) ≥ M, with f_{T_α θ} = f_θ', covers('theorem-4'), () => {
  it('finds α and certifies both bounds exactly at T_α θ, for M up to 1e15', () => {
    let certified = 0;
    let discarded = 0;
    fc.assert(
      fc.property(oneHiddenMinimum, bounds, (c, M) => {
        const { net, data } = exactCase(c);
        const H = offKinks(() => lossHessian(Q, net, data));
        expect(lossGradient(Q, net, data).every((g) => g.n === 0n)).toBe(true); // a critical point, exactly
        const witness = findHessianWitness(net, H, M);
        if (!witness) {
          // Only when no layer-scale can grow any diagonal entry: then every scalable row of the PSD H is zero.
          discarded++;
          return;
        }
        const cert = certifyHessianWitness(net, data, witness, M);
        expect(cert.outputsIdentical).toBe(true);
        expect(cert.spectralNormAtLeastBound).toBe(true);
        expect(cert.traceAtLeastBound).toBe(true);
        certified++;
      }),
      runs(100),
    );
    console.info(`Theorem 4: ${certified} certified, ${discarded} without a growable diagonal entry`);
    expect(certified).toBeGreaterThan(discarded);
  });
});

describe('Negative control for Theorems 4 and 6: the exact certificates reject a non-witness', covers('theorem-4', 'theorem-6'), () => {
  it('α = (1, 1) does not certify |||∇²L||| ≥ 1e15 or ‖∇L‖ ≥ 1e15: claiming it fails', () => {
    const M = new Fraction(10n ** 15n, 1n);
    const caught = expectFailure(
      fc.property(oneHiddenMinimum, (c) => {
        const { net, data } = exactCase(c);
        const identity = { alphas: [Q.one, Q.one], index: 0 };
        return offKinks(() => certifyHessianWitness(net, data, identity, M).spectralNormAtLeastBound || certifyGradientWitness(net, data, identity, M).atLeastBound);
      }),
      runs(50),
    );
    expect(caught.counterexample[0].network.layers.length).toBe(2);
  });
});

describe('Theorem 5: ∀ K-layer minimum (K = 2…5), ∀M: with β⁻¹ on all layers but the smallest and β^(K−1) on it, ≥ r − min_k n_k eigenvalues of ∇²L(T_α θ) exceed M', covers('theorem-5'), () => {
  it('certifies the count exactly by Sylvester inertia at T_α θ, r the exact rank', () => {
    let positive = 0;
    let total = 0;
    fc.assert(
      fc.property(
        teacherStudentArbitrary({ maxHidden: 4, maxWidth: 2, maxInput: 2, maxOutput: 2, bias: 'never' }, { minSamples: 6, maxSamples: 8 }),
        fc.integer({ min: 0, max: 12 }).map((k) => new Fraction(10n ** BigInt(k), 1n)),
        (c, M) => {
          const { net, data } = exactCase(c);
          const H = offKinks(() => lossHessian(Q, net, data));
          const w = findManyEigenvaluesWitness(net, H, M);
          total++;
          if (w.guaranteed <= 0) return;
          positive++;
          const cert = certifyManyEigenvalues(net, data, w.alphas, M);
          expect(cert.outputsIdentical).toBe(true);
          expect(cert.countAbove).toBeGreaterThanOrEqual(w.guaranteed);
        },
      ),
      runs(60),
    );
    console.info(`Theorem 5: r − min_k n_k > 0 in ${positive} of ${total} cases`);
    expect(positive).toBeGreaterThan(total / 3);
  });
});

describe('Theorem 6: ∀ one-hidden-layer θ with ∇L(θ) ≠ 0, ∀B ∃α: ‖∇L(T_α θ)‖ ≥ B (L is not Lipschitz along the orbit)', covers('theorem-6'), () => {
  it('finds α and certifies ‖∇L(T_α θ)‖² ≥ B² exactly', () => {
    let certified = 0;
    fc.assert(
      fc.property(randomPointArbitrary({ maxHidden: 1, maxWidth: 4, maxInput: 3, maxOutput: 2 }, { maxSamples: 4 }), bounds, (c, B) => {
        const { net, data } = exactCase(c);
        const g = offKinks(() => lossGradient(Q, net, data));
        const witness = findGradientWitness(net, g, B);
        fc.pre(witness !== undefined); // ∇L = 0 on every scalable entry: a critical point there
        const cert = certifyGradientWitness(net, data, witness!, B);
        expect(cert.outputsIdentical).toBe(true);
        expect(cert.atLeastBound).toBe(true);
        certified++;
      }),
      runs(100),
    );
    expect(certified).toBeGreaterThan(50);
  });
});

describe('Converse: ∀ one-hidden-layer minimum, ∀η > 0 ∃α: Tr ∇²L(T_α θ) ≤ inf_α Tr ∇²L(T_α θ) + η (a minimum made as flat as the orbit allows)', covers('converse'), () => {
  it('certifies Tr ≤ 2√(AB) + C + η exactly, without square roots, recomputed at T_α θ', () => {
    fc.assert(
      fc.property(oneHiddenMinimum, fc.integer({ min: 0, max: 30 }), (c, k) => {
        const { net, data } = exactCase(c);
        const H = offKinks(() => lossHessian(Q, net, data));
        const eta = new Fraction(1n, 10n ** BigInt(k));
        const w = findFlatWitness(net, H, eta);
        // Recompute the trace at T_α θ from scratch and check it against the infimum of θ's orbit.
        const Hmoved = lossHessian(Q, applySymmetry(Q, net, { kind: 'layer-scale', alphas: w.alphas }), data);
        const traceMoved = Hmoved.reduce((s, row, i) => s.add(row[i]!), Q.zero);
        expect(traceMoved.equals(w.traceAtAlpha)).toBe(true);
        const { A, B, C } = traceBlocks(net, H);
        expect(withinOfInfimum(traceMoved, A, B, C, eta)).toBe(true);
      }),
      runs(100),
    );
  });
});
