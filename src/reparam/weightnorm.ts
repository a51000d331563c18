/**
 * Weight normalisation of the first layer (Salimans & Kingma 2016; the
 * paper's Section 5.1): row i is w_i = s_i · v_i / ‖v_i‖₂. The map is
 * invariant to v_i ↦ c·v_i (c > 0), and its Jacobian in v_i,
 * ∂w_i/∂v_i = s_i (I/‖v_i‖ − v_i v_iᵀ/‖v_i‖³), scales as 1/c — so at a
 * critical point the Hessian in v-coordinates scales as 1/c²: every minimum
 * is equivalent to arbitrarily sharp and arbitrarily flat ones.
 *
 * Exact when every ‖v_i‖ is rational (rows along Pythagorean directions);
 * callers pass the norms, which are checked exactly.
 */
import type { Fraction } from 'fraction.js';
import { InputError } from '../field/errors.js';
import { rationalField as Q } from '../field/rational.js';
import { parameterOffsets, parameterCount } from '../network/flat.js';
import { shapeOf, type Network } from '../network/types.js';

export interface WeightNormPoint {
  /** One gain per first-layer row. */
  s: Fraction[];
  /** One direction per row (any length). */
  v: Fraction[][];
  /** ‖v_i‖₂, rational, checked: ‖v_i‖² = norms_i². */
  norms: Fraction[];
}

export function checkNorms(p: WeightNormPoint): void {
  p.v.forEach((row, i) => {
    const n2 = row.reduce((s, x) => s.add(x.mul(x)), Q.zero);
    const n = p.norms[i]!;
    if (n.s < 0n || n.n === 0n || !n.mul(n).equals(n2)) throw new InputError(`norms[${i}]`, n, `‖v_${i}‖₂ (whose square is ${n2.toFraction()})`);
  });
}

/** The first layer's rows w_i = s_i v_i / ‖v_i‖. */
export function weightNormRows(p: WeightNormPoint): Fraction[][] {
  checkNorms(p);
  return p.v.map((row, i) => row.map((x) => p.s[i]!.mul(x).div(p.norms[i]!)));
}

/**
 * J = ∂θ/∂(v-coordinates): θ's first-layer weight entries against the
 * v entries (row-major, as θ orders W_1), every other θ entry against itself.
 * Columns: v (row-major) then θ's remaining entries; the gains s are held fixed.
 */
export function weightNormJacobian(net: Network<Fraction>, p: WeightNormPoint): Fraction[][] {
  checkNorms(p);
  const shape = shapeOf(net);
  const P = parameterCount(shape);
  const { fanIn } = parameterOffsets(shape);
  const n = fanIn[0]!;
  const rows = p.v.length;
  const J = Array.from({ length: P }, () => new Array<Fraction>(P).fill(Q.zero));
  for (let i = 0; i < rows; i++) {
    const norm = p.norms[i]!;
    const norm3 = norm.mul(norm).mul(norm);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const identity = a === b ? Q.one.div(norm) : Q.zero;
        J[i * n + a]![i * n + b] = p.s[i]!.mul(identity.sub(p.v[i]![a]!.mul(p.v[i]![b]!).div(norm3)));
      }
    }
  }
  for (let k = rows * n; k < P; k++) J[k]![k] = Q.one;
  return J;
}
