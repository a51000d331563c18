/**
 * Exact reparametrisations for properties: compositions of affine maps and
 * at most one elementwise cubic, so L(g(η)) stays a polynomial in η (off the
 * kinks) and every check can be exact. Drawn shape-independently (pools of
 * rationals), fitted to θ's dimension by `fitReparametrisation`.
 */
import fc from 'fast-check';
import type { Fraction } from 'fraction.js';
import { rationalField as Q } from '../field/rational.js';
import { affine, compose, elementwiseCubic, type Reparametrisation } from '../reparam/index.js';
import { rational } from './scalars.js';

export interface RawReparametrisation {
  /** Outermost first: each step an affine map or the cubic. */
  steps: ('affine' | 'cubic')[];
  values: Fraction[];
}

export function rawReparametrisationArbitrary(): fc.Arbitrary<RawReparametrisation> {
  return fc.record({
    steps: fc.oneof(fc.constant<('affine' | 'cubic')[]>(['cubic']), fc.constant<('affine' | 'cubic')[]>(['affine']), fc.constant<('affine' | 'cubic')[]>(['affine', 'cubic']), fc.constant<('affine' | 'cubic')[]>(['affine', 'cubic', 'affine'])),
    values: fc.array(rational(5, 4), { minLength: 128, maxLength: 128 }),
  });
}

/** An invertible n×n rational matrix: unit lower-triangular times upper-triangular with a non-zero diagonal. */
export function invertibleMatrix(values: readonly Fraction[], n: number, offset = 0): Fraction[][] {
  const at = (i: number) => values[(offset + i) % values.length]!;
  const L = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? Q.one : j < i ? at(i * n + j) : Q.zero)));
  const U = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (j < i ? Q.zero : i === j ? (at(i + 7).n === 0n ? Q.one : at(i + 7)) : at(j * n + i + 3))));
  return L.map((row) => U[0]!.map((_, j) => row.reduce((s, l, k) => s.add(l.mul(U[k]![j]!)), Q.zero)));
}

export function fitReparametrisation(raw: RawReparametrisation, n: number): { g: Reparametrisation<Fraction>; degree: number } {
  const maps = raw.steps.map((kind, s) =>
    kind === 'cubic'
      ? elementwiseCubic(Q, Array.from({ length: n }, (_, i) => raw.values[(s * 17 + i) % raw.values.length]!.abs()))
      : affine(Q, invertibleMatrix(raw.values, n, s * 31), Array.from({ length: n }, (_, i) => raw.values[(s * 13 + i + 5) % raw.values.length]!)),
  );
  const g = maps.reduce((outer, inner) => compose(Q, outer, inner));
  return { g, degree: raw.steps.includes('cubic') ? 3 : 1 };
}
