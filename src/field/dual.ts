/**
 * Dual numbers a + ȧ·ε (ε² = 0) over any field: forward-mode derivatives.
 * Running a gradient (reverse mode) in this field with θ + v·ε gives the
 * Hessian-vector product H v in the tangents (forward-over-reverse), in the
 * base field's arithmetic: exact over the rationals, float64 over float64.
 *
 * Order, sign and equality look at the value only, so branches (a ReLU's
 * side, the row maximum of a log-sum-exp) are taken as the value dictates.
 * |x| at x = 0 keeps the tangent (the right derivative): callers that branch
 * on a kink must reject it first, as the derivative code does.
 */
import type { Field, Scalar } from './field.js';

export interface Dual<T> {
  readonly value: T;
  readonly tangent: T;
}

export function dualField<T>(F: Field<T>): Field<Dual<T>> {
  const d = (value: T, tangent: T): Dual<T> => ({ value, tangent });
  const t = F.transcendental;
  return {
    name: F.name,
    exact: F.exact,
    unitRoundoff: F.unitRoundoff,
    zero: d(F.zero, F.zero),
    one: d(F.one, F.zero),
    fromScalar: (x: Scalar) => d(F.fromScalar(x), F.zero),
    add: (a, b) => d(F.add(a.value, b.value), F.add(a.tangent, b.tangent)),
    sub: (a, b) => d(F.sub(a.value, b.value), F.sub(a.tangent, b.tangent)),
    mul: (a, b) => d(F.mul(a.value, b.value), F.add(F.mul(a.value, b.tangent), F.mul(a.tangent, b.value))),
    div: (a, b) => {
      const q = F.div(a.value, b.value);
      return d(q, F.div(F.sub(a.tangent, F.mul(q, b.tangent)), b.value));
    },
    neg: (a) => d(F.neg(a.value), F.neg(a.tangent)),
    abs: (a) => (F.sign(a.value) < 0 ? d(F.neg(a.value), F.neg(a.tangent)) : a),
    sign: (a) => F.sign(a.value),
    compare: (a, b) => F.compare(a.value, b.value),
    equals: (a, b) => F.equals(a.value, b.value),
    toNumber: (a) => F.toNumber(a.value),
    toString: (a) => F.toString(a.value),
    isFinite: (a) => F.isFinite(a.value) && F.isFinite(a.tangent),
    isZero: (a) => F.isZero(a.value) && F.isZero(a.tangent),
    sqrt: (a) => {
      const r = F.sqrt(a.value);
      return r === undefined ? undefined : d(r, F.div(a.tangent, F.add(r, r)));
    },
    ...(t && {
      transcendental: {
        exp: (a: Dual<T>) => {
          const e = t.exp(a.value);
          return d(e, F.mul(e, a.tangent));
        },
        log: (a: Dual<T>) => d(t.log(a.value), F.div(a.tangent, a.value)),
        tanh: (a: Dual<T>) => {
          const y = t.tanh(a.value);
          return d(y, F.mul(F.sub(F.one, F.mul(y, y)), a.tangent));
        },
      },
    }),
  };
}

/** A value with n tangents at once (null: all zero, as for a constant). */
export interface VectorDual<T> {
  readonly value: T;
  readonly tangent: readonly T[] | null;
}

/**
 * Dual numbers with many tangent directions carried together: one gradient
 * pass at θ + Σ e_i ε_i gives all of ∇²L in the tangents, with the same
 * arithmetic, direction by direction, as n passes in `dualField` (so the same
 * exact values), but the values computed once and constants carrying no
 * tangent at all.
 */
export function vectorDualField<T>(F: Field<T>): Field<VectorDual<T>> {
  const d = (value: T, tangent: readonly T[] | null): VectorDual<T> => ({ value, tangent });
  const scaled = (c: T, t: readonly T[] | null) => (t === null ? null : t.map((x) => F.mul(c, x)));
  const combine = (a: readonly T[] | null, b: readonly T[] | null, f: (x: T, y: T) => T, negateB = false): readonly T[] | null => {
    if (a === null) return b === null ? null : negateB ? b.map((y) => F.neg(y)) : b;
    if (b === null) return a;
    return a.map((x, i) => f(x, b[i]!));
  };
  const t = F.transcendental;
  const zero = d(F.zero, null);
  return {
    name: F.name,
    exact: F.exact,
    unitRoundoff: F.unitRoundoff,
    zero,
    one: d(F.one, null),
    fromScalar: (x: Scalar) => d(F.fromScalar(x), null),
    add: (a, b) => d(F.add(a.value, b.value), combine(a.tangent, b.tangent, F.add)),
    sub: (a, b) => d(F.sub(a.value, b.value), combine(a.tangent, b.tangent, F.sub, true)),
    mul: (a, b) => d(F.mul(a.value, b.value), combine(scaled(a.value, b.tangent), scaled(b.value, a.tangent), F.add)),
    div: (a, b) => {
      const q = F.div(a.value, b.value);
      const numerator = combine(a.tangent, scaled(q, b.tangent), F.sub, true);
      return d(q, numerator === null ? null : numerator.map((x) => F.div(x, b.value)));
    },
    neg: (a) => d(F.neg(a.value), a.tangent === null ? null : a.tangent.map((x) => F.neg(x))),
    abs: (a) => (F.sign(a.value) < 0 ? d(F.neg(a.value), a.tangent === null ? null : a.tangent.map((x) => F.neg(x))) : a),
    sign: (a) => F.sign(a.value),
    compare: (a, b) => F.compare(a.value, b.value),
    equals: (a, b) => F.equals(a.value, b.value),
    toNumber: (a) => F.toNumber(a.value),
    toString: (a) => F.toString(a.value),
    isFinite: (a) => F.isFinite(a.value) && (a.tangent === null || a.tangent.every((x) => F.isFinite(x))),
    isZero: (a) => F.isZero(a.value) && (a.tangent === null || a.tangent.every((x) => F.isZero(x))),
    sqrt: (a) => {
      const r = F.sqrt(a.value);
      if (r === undefined) return undefined;
      const twice = F.add(r, r);
      return d(r, a.tangent === null ? null : a.tangent.map((x) => F.div(x, twice)));
    },
    ...(t && {
      transcendental: {
        exp: (a: VectorDual<T>) => {
          const e = t.exp(a.value);
          return d(e, scaled(e, a.tangent));
        },
        log: (a: VectorDual<T>) => d(t.log(a.value), a.tangent === null ? null : a.tangent.map((x) => F.div(x, a.value))),
        tanh: (a: VectorDual<T>) => {
          const y = t.tanh(a.value);
          return d(y, scaled(F.sub(F.one, F.mul(y, y)), a.tangent));
        },
      },
    }),
  };
}
