import { describe, expect, it } from 'vitest';
import { Fraction } from 'mathjs';
import { float64Field, rationalField } from '../field/index.js';
import { flatten, networkIn, parseNetwork, shapeOf } from '../network/index.js';
import { applyMap, applySymmetry, inverseSymmetry, invertMap, mapToDense, symmetryMap, type Symmetry } from './index.js';

const Q = rationalField;
const f = (p: bigint, q = 1n) => new Fraction(p, q);
// 2 inputs → 2 hidden (bias) → 1 output (bias): θ = (w11 w12 w21 w22 b1 b2 | v1 v2 c)
const net = networkIn(Q, parseNetwork({
  format: 'flatcheck.network/v1',
  inputSize: 2,
  layers: [
    { weights: [[1, 2], [3, 4]], bias: [5, 6], activation: 'relu' },
    { weights: [[7, 8]], bias: [9], activation: 'linear' },
  ],
}));
const shape = shapeOf(net);
const show = (xs: Fraction[]) => xs.map((x) => x.toFraction());

describe('symmetries act on θ as THEORY.md §1 defines them', () => {
  it('layer-scale: W_k ↦ α_k W_k, b_k ↦ (α_1⋯α_k) b_k', () => {
    const moved = applySymmetry(Q, net, { kind: 'layer-scale', alphas: [f(2n), f(1n, 2n)] });
    expect(show(flatten(moved))).toEqual(['2', '4', '6', '8', '10', '12', '7/2', '4', '9']);
  });

  it('neuron-scale: row j and b[j] times c_j, column j of the next layer divided by c_j', () => {
    const moved = applySymmetry(Q, net, { kind: 'neuron-scale', layer: 1, scales: [f(2n), f(1n, 3n)] });
    expect(show(flatten(moved))).toEqual(['2', '4', '1', '4/3', '10', '2', '7/2', '24', '9']);
  });

  it('permutation: new unit i is old unit perm[i], rows, bias and next columns alike', () => {
    const moved = applySymmetry(Q, net, { kind: 'permutation', layer: 1, perm: [1, 0] });
    expect(show(flatten(moved))).toEqual(['3', '4', '1', '2', '6', '5', '8', '7', '9']);
  });

  it('the dense matrix of a map agrees with applying it, and the inverse undoes it', () => {
    const sym: Symmetry = { kind: 'compose', steps: [{ kind: 'permutation', layer: 1, perm: [1, 0] }, { kind: 'neuron-scale', layer: 1, scales: [f(5n), f(1n, 7n)] }] };
    const map = symmetryMap(Q, shape, sym);
    const theta = flatten(net);
    const dense = mapToDense(Q, map);
    const viaDense = dense.map((row) => row.reduce((s, a, j) => s.add(a.mul(theta[j]!)), f(0n)));
    expect(show(viaDense)).toEqual(show(applyMap(Q, map, theta)));
    expect(show(applyMap(Q, invertMap(Q, map), applyMap(Q, map, theta)))).toEqual(show(theta));
    expect(show(flatten(applySymmetry(Q, applySymmetry(Q, net, sym), inverseSymmetry(sym))))).toEqual(show(theta));
  });
});

describe('invalid symmetries are rejected with the field and the value', () => {
  it.each<[string, Symmetry, string]>([
    ['zero α', { kind: 'layer-scale', alphas: [0, 1] }, 'symmetry.alphas[0]: expected a positive finite scale, got 0'],
    ['infinite α', { kind: 'layer-scale', alphas: [Infinity, 0] }, 'symmetry.alphas[0]: expected a positive finite scale, got Infinity'],
    ['NaN scale', { kind: 'neuron-scale', layer: 1, scales: [1, NaN] }, 'symmetry.scales[1]: expected a positive finite scale, got NaN'],
    ['negative rational scale', { kind: 'neuron-scale', layer: 1, scales: [f(-1n, 2n), 1] }, 'symmetry.scales[0]: expected a positive finite scale, got -1/2'],
    ['∏α ≠ 1 exactly', { kind: 'layer-scale', alphas: [f(2n), f(1n, 3n)] }, 'symmetry.alphas: expected scales whose product is 1 (it is 2/3), got [2, 1/3]'],
    ['∏α off by one ulp of 1/3 in rationals', { kind: 'layer-scale', alphas: [3, 1 / 3] }, 'symmetry.alphas: expected scales whose product is 1'],
    ['wrong number of α', { kind: 'layer-scale', alphas: [1] }, 'symmetry.alphas: expected 2 scales, one per layer, got [1]'],
    ['hidden layer out of range', { kind: 'permutation', layer: 2, perm: [0] }, 'symmetry.layer: expected a hidden layer between 1 and 1, got 2'],
    ['not a permutation', { kind: 'permutation', layer: 1, perm: [0, 0] }, 'symmetry.perm: expected a permutation of 0..1, got [0,0]'],
    ['not even an array', { kind: 'permutation', layer: 1, perm: 5 as unknown as number[] }, 'symmetry.perm: expected a permutation of 0..1, got 5'],
    ['wrong scale count', { kind: 'neuron-scale', layer: 1, scales: [1] }, 'symmetry.scales: expected 2 scales, one per unit of hidden layer 1, got [1]'],
    ['a bad step inside a composition', { kind: 'compose', steps: [{ kind: 'permutation', layer: 1, perm: [1, 0] }, { kind: 'layer-scale', alphas: [-1, -1] }] }, 'symmetry.steps[1].alphas[0]: expected a positive finite scale, got -1'],
  ])('%s', (_, sym, message) => expect(() => applySymmetry(Q, net, sym)).toThrow(message));

  it('float64 accepts ∏α = 1 up to the product\'s own rounding, and no further', () => {
    const fnet = networkIn(float64Field, parseNetwork({ format: 'flatcheck.network/v1', inputSize: 1, layers: [{ weights: [[1]], activation: 'relu' }, { weights: [[1]], activation: 'linear' }] }));
    expect(() => applySymmetry(float64Field, fnet, { kind: 'layer-scale', alphas: [3, 1 / 3] })).not.toThrow();
    expect(() => applySymmetry(float64Field, fnet, { kind: 'layer-scale', alphas: [3, (1 / 3) * (1 + 2 ** -40)] })).toThrow(/product is 1/);
  });
});

describe('the Jacobian laws in monomial form agree with the dense S⁻ᵀ (·) S⁻¹', () => {
  it('for a composed symmetry on the example network', async () => {
    const { matMul, transpose } = await import('../linalg/exact.js');
    const { transformGradient, transformHessian } = await import('./index.js');
    const sym: Symmetry = { kind: 'compose', steps: [{ kind: 'permutation', layer: 1, perm: [1, 0] }, { kind: 'layer-scale', alphas: [f(3n), f(1n, 3n)] }, { kind: 'neuron-scale', layer: 1, scales: [f(5n), f(2n, 7n)] }] };
    const map = symmetryMap(Q, shape, sym);
    const P = map.source.length;
    const H = Array.from({ length: P }, (_, i) => Array.from({ length: P }, (_, j) => f(BigInt((i + 1) * (j + 2) + i + j))));
    const Hsym = H.map((row, i) => row.map((v, j) => v.add(H[j]![i]!)));
    const g = Array.from({ length: P }, (_, i) => f(BigInt(i * i - 3), BigInt(i + 1)));
    const SinvT = transpose(mapToDense(Q, invertMap(Q, map)));
    const Sinv = mapToDense(Q, invertMap(Q, map));
    const dense = matMul(Q, matMul(Q, SinvT, Hsym), Sinv);
    expect(transformHessian(Q, map, Hsym).map((r) => r.map((x) => x.toFraction()))).toEqual(dense.map((r) => r.map((x) => x.toFraction())));
    const gDense = matMul(Q, SinvT, g.map((x) => [x])).map((r) => r[0]!);
    expect(show(transformGradient(Q, map, g))).toEqual(show(gDense));
  });
});
