import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import { rationalField as Q } from '../field/index.js';
import { rational } from '../arbitraries/scalars.js';
import { countEigenvaluesAbove, inertia, matMul, solve, symmetricRank, transpose } from './exact.js';

const f = (n: number, d = 1) => new Fraction(BigInt(n), BigInt(d));

describe('exact inertia (Sylvester) and rank', () => {
  it('the inertia of Bᵀ D B is the signs of D, for any invertible B', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }).chain((n) =>
          fc.tuple(fc.array(fc.array(rational(5, 4), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }), fc.array(fc.integer({ min: -2, max: 2 }), { minLength: n, maxLength: n })),
        ),
        ([B, signs]) => {
          // Unit upper-triangular plus the drawn entries below keeps B invertible: B = L + I with L strictly lower.
          const n = signs.length;
          const Bm = B.map((row, i) => row.map((v, j) => (i === j ? f(1) : j < i ? v : f(0))));
          const D = signs.map((s, i) => signs.map((_, j) => (i === j ? f(s) : f(0))));
          const A = matMul(Q, matMul(Q, transpose(Bm), D), Bm);
          expect(inertia(Q, A)).toEqual({ positive: signs.filter((s) => s > 0).length, negative: signs.filter((s) => s < 0).length, zero: signs.filter((s) => s === 0).length });
          expect(symmetricRank(Q, A)).toBe(signs.filter((s) => s !== 0).length);
          expect(n).toBe(A.length);
        },
      ),
    );
  });

  it('handles a zero diagonal with a 2×2 pivot', () => {
    expect(inertia(Q, [[f(0), f(1)], [f(1), f(0)]])).toEqual({ positive: 1, negative: 1, zero: 0 });
    expect(inertia(Q, [[f(0), f(0)], [f(0), f(0)]])).toEqual({ positive: 0, negative: 0, zero: 2 });
  });

  it('counts eigenvalues above M exactly at the boundary', () => {
    const H = [[f(2), f(1)], [f(1), f(2)]]; // eigenvalues 1 and 3
    expect(countEigenvaluesAbove(Q, H, f(1))).toBe(1);
    expect(countEigenvaluesAbove(Q, H, f(3))).toBe(0);
    expect(countEigenvaluesAbove(Q, H, f(29999, 10000))).toBe(1);
    expect(countEigenvaluesAbove(Q, H, f(9999, 10000))).toBe(2);
  });

  it('solves exactly and refuses a singular system', () => {
    expect(solve(Q, [[f(2), f(1)], [f(1), f(3)]], [f(3), f(5)]).map((x) => x.toFraction())).toEqual(['4/5', '7/5']);
    expect(() => solve(Q, [[f(1), f(2)], [f(2), f(4)]], [f(1), f(1)])).toThrow(/singular/);
  });
});

describe('lower bounds of the spectral norm', () => {
  it('the largest |diagonal entry| and any Rayleigh quotient never exceed |||H|||₂ (eigenvalues 1 and 3)', async () => {
    const { largestDiagonal, rayleighQuotient } = await import('./exact.js');
    const H = [[f(2), f(1)], [f(1), f(2)]];
    expect(largestDiagonal(Q, H).value.toFraction()).toBe('2');
    expect(rayleighQuotient(Q, H, [f(1), f(1)]).toFraction()).toBe('3'); // the top eigenvector attains it
    expect(rayleighQuotient(Q, H, [f(1), f(-1)]).toFraction()).toBe('1');
    expect(rayleighQuotient(Q, H, [f(3), f(1)]).toFraction()).toBe('13/5');
  });
});
