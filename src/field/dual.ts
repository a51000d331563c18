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
