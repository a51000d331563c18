// Source: Dinh, Pascanu, Bengio & Bengio, "Sharp Minima Can Generalize For Deep
// Nets" (ICML 2017), §2 (observational equivalence), Theorem 1 (non-negative
// homogeneity) and Definition 5 (α-scale transformation); THEORY.md §1 for the
// layer-scale with biases (Appendix B), neuron-scale and permutation.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  fitDataset, fitSymmetry, kindsOf, networkArbitrary, rawDatasetArbitrary, rawSymmetryArbitrary, runs, symmetryCase,
} from '../src/arbitraries/index.js';
import { float64Field, rationalField } from '../src/field/index.js';
import { datasetIn, flatten, forward, loss, networkIn, shapeOf, unflatten } from '../src/network/index.js';
import { forwardErrorBound, mseLossGapBound } from '../src/network/bounds.js';
import {
  applyMap, applySymmetry, composeMaps, describeSymmetry, floatSymmetryPerturbation, invertMap, symmetryMap, type SymmetryKind,
} from '../src/symmetry/index.js';
import { covers } from '../src/report/covers.js';

const Q = rationalField;

/** Tallies what the generators produced, so a run proves it reached every depth and kind. */
function coverage() {
  const depths = new Set<number>();
  const kinds = new Set<SymmetryKind>();
  return {
    record(hiddenLayers: number, k: SymmetryKind[]) {
      depths.add(hiddenLayers);
      k.forEach((x) => kinds.add(x));
    },
    expectComplete(numRuns: number) {
      // With ≥ 200 cases a missing depth or kind has probability < 1e-14: its absence is a generator bug.
      if (numRuns < 200) return;
      expect([...depths].sort()).toEqual([1, 2, 3, 4, 5, 6]);
      expect([...kinds].sort()).toEqual(['layer-scale', 'neuron-scale', 'permutation']);
    },
  };
}

describe('Theorem 1 (exact, rationals): ∀θ, x, S ∈ {layer-scale, neuron-scale, permutation, compositions}: f_{Sθ}(x) = f_θ(x), L(Sθ) = L(θ), S⁻¹(Sθ) = θ', covers('theorem-1'), () => {
  it('holds with exact equality for every network, input and symmetry', () => {
    const params = runs(200);
    const seen = coverage();
    fc.assert(
      fc.property(networkArbitrary(), rawDatasetArbitrary(), rawSymmetryArbitrary({ compose: true }), (raw, rawData, rawSym) => {
        const shape = shapeOf(raw);
        const sym = fitSymmetry(rawSym, shape);
        seen.record(shape.sizes.length - 1, kindsOf(sym));
        const net = networkIn(Q, raw);
        const data = datasetIn(Q, fitDataset(rawData, shape));
        const map = symmetryMap(Q, shape, sym);
        const theta = flatten(net);
        const moved = applyMap(Q, map, theta);
        const transformed = unflatten(net, moved);
        const before = forward(Q, net, data.inputs);
        const after = forward(Q, transformed, data.inputs);
        after.forEach((row, s) => row.forEach((v, o) => expect(Q.equals(v, before[s]![o]!), `output [${s}][${o}] under ${describeSymmetry(sym)}`).toBe(true)));
        expect(Q.equals(loss(Q, transformed, data), loss(Q, net, data))).toBe(true);
        const back = applyMap(Q, invertMap(Q, map), moved);
        back.forEach((v, i) => expect(Q.equals(v, theta[i]!), `θ[${i}] after S⁻¹S`).toBe(true));
      }),
      params,
    );
    seen.expectComplete(params.numRuns);
  });

  it('composition is a symmetry: applying S₁ then S₂ equals applying compose(S₁, S₂), exactly', () => {
    fc.assert(
      fc.property(networkArbitrary({ maxWidth: 8 }), rawSymmetryArbitrary(), rawSymmetryArbitrary(), rawDatasetArbitrary(), (raw, r1, r2, rawData) => {
        const shape = shapeOf(raw);
        const [s1, s2] = [fitSymmetry(r1, shape), fitSymmetry(r2, shape)];
        const net = networkIn(Q, raw);
        const sequential = applySymmetry(Q, applySymmetry(Q, net, s1), s2);
        const composed = applySymmetry(Q, net, { kind: 'compose', steps: [s1, s2] });
        const viaMaps = applyMap(Q, composeMaps(Q, symmetryMap(Q, shape, s1), symmetryMap(Q, shape, s2)), flatten(net));
        flatten(composed).forEach((v, i) => {
          expect(Q.equals(v, flatten(sequential)[i]!)).toBe(true);
          expect(Q.equals(v, viaMaps[i]!)).toBe(true);
        });
        const data = datasetIn(Q, fitDataset(rawData, shape));
        expect(Q.equals(loss(Q, composed, data), loss(Q, net, data))).toBe(true);
      }),
      runs(200),
    );
  });
});

describe('Theorem 1 (float64): f_{Sθ}(x) = f_θ(x) within the derived rounding bound, scalings up to 1e±6', covers('theorem-1'), () => {
  it('outputs and mse loss agree within R(1+R)·|f|(|x|) (src/network/bounds.ts)', () => {
    const F = float64Field;
    const u = F.unitRoundoff;
    fc.assert(
      fc.property(
        networkArbitrary({ weights: 'dyadic' }),
        rawDatasetArbitrary({ values: 'dyadic' }),
        rawSymmetryArbitrary({ scales: 'float', decades: 6, compose: true }),
        (raw, rawData, rawSym) => {
          const { shape, sym, net, data, transformed } = symmetryCase(F, raw, rawData, rawSym);
          const before = forward(F, net, data.inputs);
          const after = forward(F, transformed, data.inputs);
          const rho = floatSymmetryPerturbation(sym, shape.sizes.length, u);
          const boundBefore = forwardErrorBound(net, data.inputs, { u });
          const boundAfter = forwardErrorBound(transformed, data.inputs, { u, weightPerturbation: rho });
          const gap = before.map((row, s) => row.map((_, o) => boundBefore[s]![o]! + boundAfter[s]![o]!));
          after.forEach((row, s) =>
            row.forEach((v, o) => expect(Math.abs(v - before[s]![o]!), `output [${s}][${o}] under ${describeSymmetry(sym)}`).toBeLessThanOrEqual(gap[s]![o]!)),
          );
          const lossGap = mseLossGapBound(before, data.targets, gap, u);
          expect(Math.abs(loss(F, transformed, data) - loss(F, net, data))).toBeLessThanOrEqual(lossGap);
        },
      ),
      runs(300),
    );
  });
});
