// Source: Dinh et al. (ICML 2017), Theorem 3 (the transformation law of the
// gradient and Hessian under α-scale transformations), in THEORY.md §1's
// general form for every linear symmetry S: ∇L(Sθ) = S⁻ᵀ∇L(θ) and
// ∇²L(Sθ) = S⁻ᵀ ∇²L(θ) S⁻¹, at every point, checked exactly in rationals.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import { expectFailure, fitSymmetry, randomPointArbitrary, rawSymmetryArbitrary, runs, kindsOf } from '../src/arbitraries/index.js';
import { float64Field, rationalField as Q } from '../src/field/index.js';
import { datasetIn, networkIn, shapeOf, parameterOffsets } from '../src/network/index.js';
import { KinkError, lossGradient, lossHessian } from '../src/autodiff/derivatives.js';
import { applySymmetry, describeSymmetry, symmetryMap, transformGradient, transformHessian, type SymmetryKind } from '../src/symmetry/index.js';
import { tensorHessian } from '../src/tensor/derivatives.js';
import { initTensorBackend } from '../src/tensor/backend.js';

const equalVectors = (a: Fraction[], b: Fraction[]) => a.length === b.length && a.every((x, i) => x.equals(b[i]!));

/** Runs `f`, discarding the case (fc.pre) when it sits exactly on a ReLU kink. */
function offKinks<R>(f: () => R): R {
  try {
    return f();
  } catch (e) {
    fc.pre(!(e instanceof KinkError));
    throw e;
  }
}

describe('Theorem 3 (exact): ∀θ, ∀ symmetry S: ∇L(Sθ) = S⁻ᵀ∇L(θ) and ∇²L(Sθ) = S⁻ᵀ ∇²L(θ) S⁻¹', () => {
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

describe('Negative controls for Theorem 3: a wrong Hessian, and a non-homogeneous activation, are caught', () => {
  it('a Hessian with its cross-layer blocks dropped fails the law (shrunk to a small case)', () => {
    const caught = expectFailure(
      fc.property(randomPointArbitrary({ maxHidden: 2, maxWidth: 3, maxInput: 2, maxOutput: 1, bias: 'never' }, { maxSamples: 2 }), rawSymmetryArbitrary({ kinds: ['layer-scale'] }), ({ network, dataset }, rawSym) => {
        const shape = shapeOf(network);
        const sym = fitSymmetry(rawSym, shape);
        const net = networkIn(Q, network);
        const data = datasetIn(Q, dataset);
        const { weightOffset } = parameterOffsets(shape);
        const layerOf = (p: number) => weightOffset.filter((o) => o <= p).length - 1;
        const broken = (H: Fraction[][]) => H.map((row, i) => row.map((v, j) => (layerOf(i) === layerOf(j) ? v : Q.zero)));
        const H = offKinks(() => broken(lossHessian(Q, net, data)));
        const law = transformHessian(Q, symmetryMap(Q, shape, sym), H);
        // The broken "Hessian" of Sθ must also equal the law applied to the broken Hessian of θ — it does not,
        // because the true cross blocks are what the full law needs: compare the broken law with the true Hessian.
        const truth = lossHessian(Q, applySymmetry(Q, net, sym), data);
        return truth.every((row, i) => equalVectors(row, law[i]!));
      }),
      runs(200),
    );
    const shape = shapeOf(caught.counterexample[0].network);
    console.info(`dropped cross blocks: caught, widths [${shape.sizes.join(', ')}], seed ${caught.seed}`);
    expect(shape.sizes.length).toBe(2);
  });

  it('for tanh the law fails: the float Hessians of θ and Sθ differ beyond rounding', async () => {
    await initTensorBackend();
    const F = float64Field;
    const net = networkIn(F, { inputSize: 1, layers: [{ weights: [[0.5]], activation: 'tanh' }, { weights: [[1.5]], activation: 'linear' }] });
    const data = datasetIn(F, { loss: 'mse', inputs: [[1], [-0.5]], targets: [[0.25], [1]] });
    const sym = { kind: 'layer-scale' as const, alphas: [4, 0.25] };
    const law = transformHessian(F, symmetryMap(F, shapeOf(net), sym), tensorHessian(net, data).hessian);
    const direct = tensorHessian(applySymmetry(F, net, sym), data).hessian;
    // float32 Hessians of O(1) entries agree to ~1e-6 when a law holds; here they differ at O(1).
    const gap = Math.max(...direct.flatMap((row, i) => row.map((v, j) => Math.abs(v - law[i]![j]!))));
    expect(gap).toBeGreaterThan(0.1);
  });
});
