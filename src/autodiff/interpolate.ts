/**
 * Derivatives without derivative code, for independent checks: a function
 * that is a polynomial of degree ≤ d in t near 0 (a loss along a line, off
 * the kinks) is interpolated exactly at d + 1 points t = h·(i − ⌊d/2⌋), and
 * its first and second derivatives at 0 read off the coefficients.
 */
import { Fraction } from 'fraction.js';
import { rationalField as Q } from '../field/rational.js';
import { solve } from '../linalg/exact.js';

export function polynomialDerivatives(f: (t: Fraction) => Fraction, degree: number, h: Fraction): { first: Fraction; second: Fraction } {
  const half = Math.floor(degree / 2);
  const ts = Array.from({ length: degree + 1 }, (_, i) => h.mul(new Fraction(BigInt(i - half), 1n)));
  const coefficients = solve(Q, ts.map((t) => ts.map((_, p) => t.pow(p))), ts.map(f));
  return { first: coefficients[1] ?? Q.zero, second: (coefficients[2] ?? Q.zero).mul(new Fraction(2n, 1n)) };
}

/** The full Hessian of f: Rⁿ → Q at x by polarisation, from second derivatives along e_i and e_i + e_j. */
export function polynomialHessian(f: (x: Fraction[]) => Fraction, x: readonly Fraction[], degree: number, h: Fraction): Fraction[][] {
  const n = x.length;
  const along = (v: Fraction[]) => polynomialDerivatives((t) => f(x.map((xi, i) => xi.add(t.mul(v[i]!)))), degree, h).second;
  const unit = (i: number) => x.map((_, k) => (k === i ? Q.one : Q.zero));
  const diagonal = Array.from({ length: n }, (_, i) => along(unit(i)));
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      if (i === j) return diagonal[i]!;
      // (e_i + e_j)ᵀH(e_i + e_j) = H_ii + 2H_ij + H_jj
      const both = along(x.map((_, k) => (k === i || k === j ? Q.one : Q.zero)));
      return both.sub(diagonal[i]!).sub(diagonal[j]!).div(new Fraction(2n, 1n));
    }),
  );
}
