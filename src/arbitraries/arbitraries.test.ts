import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parameterCount, shapeOf } from '../network/index.js';
import { fitSymmetry, kindsOf, networkArbitrary, rawSymmetryArbitrary } from './index.js';
import { exactScale, logUniformScale } from './scalars.js';

describe('generators reach the interesting cases', () => {
  const sample = fc.sample(fc.tuple(networkArbitrary(), rawSymmetryArbitrary({ compose: true })), { numRuns: 300, seed: 1 });

  it('networks of every depth 1–6, widths up to 32, with and without biases, every homogeneous activation', () => {
    const shapes = sample.map(([n]) => shapeOf(n));
    expect(new Set(shapes.map((s) => s.sizes.length - 1))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(Math.max(...shapes.flatMap((s) => s.sizes.slice(0, -1)))).toBeGreaterThan(24);
    expect(new Set(shapes.map((s) => s.hasBias[0]))).toEqual(new Set([true, false]));
    expect(new Set(shapes.map((s) => s.activations[0]))).toEqual(new Set(['relu', 'leaky-relu', 'abs', 'linear']));
  });

  it('every symmetry kind, and compositions', () => {
    const syms = sample.map(([n, r]) => fitSymmetry(r, shapeOf(n)));
    expect(new Set(syms.flatMap(kindsOf))).toEqual(new Set(['layer-scale', 'neuron-scale', 'permutation']));
    expect(syms.some((s) => s.kind === 'compose')).toBe(true);
  });

  it('scales span many orders of magnitude', () => {
    const logs = fc.sample(logUniformScale(6), { numRuns: 500, seed: 2 }).map(Math.log10);
    expect(Math.min(...logs)).toBeLessThan(-5);
    expect(Math.max(...logs)).toBeGreaterThan(5);
    const exact = fc.sample(exactScale(), { numRuns: 500, seed: 3 }).map((x) => Math.log2(x.valueOf()));
    expect(Math.min(...exact)).toBeLessThan(-18);
    expect(Math.max(...exact)).toBeGreaterThan(18);
  });

  it('a failing property shrinks the network to one hidden layer of one unit', () => {
    const details = fc.check(fc.property(networkArbitrary(), (n) => parameterCount(shapeOf(n)) < 2), { seed: 4 });
    expect(details.failed).toBe(true);
    const shape = shapeOf(details.counterexample![0]);
    expect(shape.sizes).toEqual([1, 1]);
    expect(shape.inputSize).toBe(1);
  });
});
