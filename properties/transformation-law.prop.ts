// Source: Dinh et al. (ICML 2017), Theorem 3 (the transformation law of the
// gradient and Hessian under α-scale transformations), in THEORY.md §1's
// general form for every linear symmetry S: ∇L(Sθ) = S⁻ᵀ∇L(θ) and
// ∇²L(Sθ) = S⁻ᵀ ∇²L(θ) S⁻¹, at every point, checked exactly in rationals.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import { expectFailure, offKinks, fitSymmetry, randomPointArbitrary, rawSymmetryArbitrary, runs, kindsOf, type NetworkAndData, type RawSymmetry } from '../src/arbitraries/index.js';
import { float64Field, makeBigNumberField, rationalField as Q } from '../src/field/index.js';

// 30 significant digits: u = 5e-30, far below the O(1) failures sought, and quick for decimal.js's tanh.
const BIG = makeBigNumberField(30);
import { datasetIn, networkIn, shapeOf, type ActivationName, type Dataset } from '../src/network/index.js';
import { lossGradient, lossHessian } from '../src/autodiff/derivatives.js';
import { applySymmetry, describeSymmetry, symmetryMap, transformGradient, transformHessian, type SymmetryKind } from '../src/symmetry/index.js';
import { gradientErrorBound } from '../src/autodiff/bounds.js';
import { covers } from '../src/report/covers.js';

const equalVectors = (a: Fraction[], b: Fraction[]) => a.length === b.length && a.every((x, i) => x.equals(b[i]!));

describe('Theorem 3 (exact): ∀θ, ∀ symmetry S: ∇L(Sθ) = S⁻ᵀ∇L(θ) and ∇²L(Sθ) = S⁻ᵀ ∇²L(θ) S⁻¹', covers('theorem-3'), () => {
  it('holds with exact equality at random (non-critical) points, for every kind and composition', () => {
    const kinds = new Set<SymmetryKind>();
    const params = runs(100);
    fc.assert(
      fc.property(randomPointArbitrary({ maxHidden: 4, maxWidth: 5, maxInput: 3, maxOutput: 2 }, { maxSamples: 3 }), rawSymmetryArbitrary({ compose: true }), ({ network, dataset }, rawSym) => {
        const shape = shapeOf(network);
        const sym = fitSymmetry(rawSym, shape);
        kindsOf(sym).forEach((k) => kinds.add(k));
        const net = networkIn(Q, network);
        const data = datasetIn(Q, dataset);
        const moved = applySymmetry(Q, net, sym);
        const [g, H] = offKinks(() => [lossGradient(Q, net, data), lossHessian(Q, net, data)] as const);
        const map = symmetryMap(Q, shape, sym);
        expect(equalVectors(lossGradient(Q, moved, data), transformGradient(Q, map, g)), `gradient law under ${describeSymmetry(sym)}`).toBe(true);
        const Hmoved = lossHessian(Q, moved, data);
        const law = transformHessian(Q, map, H);
        expect(Hmoved.every((row, i) => equalVectors(row, law[i]!)), `Hessian law under ${describeSymmetry(sym)}`).toBe(true);
      }),
      params,
    );
    if (params.numRuns >= 100) expect([...kinds].sort()).toEqual(['layer-scale', 'neuron-scale', 'permutation']);
  });
});

/**
 * The gradient law checked in a 30-digit bignumber field, where the
 * transcendental activations exist: ∇L(Sθ) and S⁻ᵀ∇L(θ) must agree within
 * the sum of their derived rounding bounds (src/autodiff/bounds.ts).
 */
function gradientLawHolds({ network, dataset }: NetworkAndData, rawSym: RawSymmetry): boolean {
  const B = BIG;
  const shape = shapeOf(network);
  const sym = fitSymmetry(rawSym, shape);
  const net = networkIn(B, network);
  const data = datasetIn(B, dataset);
  const law = transformGradient(B, symmetryMap(B, shape, sym), lossGradient(B, net, data));
  const direct = lossGradient(B, applySymmetry(B, net, sym), data);
  const net64 = networkIn(float64Field, network);
  const data64 = datasetIn(float64Field, dataset) as Dataset<number> & { loss: 'mse' };
  const map64 = symmetryMap(float64Field, shape, sym);
  const boundDirect = gradientErrorBound(applySymmetry(float64Field, net64, sym), data64, B.unitRoundoff);
  const boundLaw = transformGradient(float64Field, map64, gradientErrorBound(net64, data64, B.unitRoundoff)).map(Math.abs);
  return direct.every((g, i) => B.toNumber(B.abs(B.sub(g, law[i]!))) <= 1.01 * (boundDirect[i]! + boundLaw[i]!));
}

const gradientCases = (activations: ActivationName[]) =>
  randomPointArbitrary({ weights: 'dyadic', activations, maxHidden: 2, maxWidth: 3, maxInput: 2, maxOutput: 2 }, { values: 'dyadic', maxSamples: 3 });
// Exact scales: ∏α = 1 holds exactly, so it holds to 64 digits too (float scales miss it by ~1e-16).
const floatLayerScales = rawSymmetryArbitrary({ kinds: ['layer-scale', 'neuron-scale'] });

describe('Negative control for Theorem 3: the law fails for tanh (30-digit arithmetic, derived bounds)', covers('theorem-3'), () => {
  it('control of the control: for ReLU-family networks the same check passes', () => {
    fc.assert(fc.property(gradientCases(['relu', 'leaky-relu', 'abs']), floatLayerScales, (c, s) => offKinks(() => gradientLawHolds(c, s))), runs(100));
  });

  it('for tanh networks the gradient law fails, and the counterexample shrinks small', () => {
    const caught = expectFailure(fc.property(gradientCases(['tanh']), floatLayerScales, gradientLawHolds), runs(100));
    const shape = shapeOf(caught.counterexample[0].network);
    console.info(`tanh gradient law: caught, widths [${shape.sizes.join(', ')}], seed ${caught.seed}\n${caught.message}`);
    expect(shape.sizes.length).toBe(2);
    expect(shape.sizes[0]).toBe(1);
  });
});
