/**
 * mathjs BigNumber (decimal.js) at a chosen number of significant digits: a
 * high-precision *rounded* field, for checking float64 results and for
 * transcendental activations at more than double precision.
 */
import { Decimal } from 'decimal.js';
import type { Field } from './field.js';
import { isFraction } from './rational.js';

/** decimal.js, which mathjs's BigNumber is, imported directly: loading all of mathjs takes most of a second. */
export type Big = Decimal;

export function makeBigNumberField(digits = 64): Field<Big> {
  const Big = Decimal.clone({ precision: digits });
  const make = (x: string | number) => new Big(x);
  return {
    name: 'bignumber',
    exact: false,
    // decimal.js rounds half-even to `digits` significant digits.
    unitRoundoff: 0.5 * 10 ** (1 - digits),
    zero: make(0),
    one: make(1),
    fromScalar: (x) => (isFraction(x) ? (make(x.n.toString()).div(make(x.d.toString())).mul(Number(x.s)) as Big) : make(x)),
    add: (a, b) => a.add(b) as Big,
    sub: (a, b) => a.sub(b) as Big,
    mul: (a, b) => a.mul(b) as Big,
    div: (a, b) => a.div(b) as Big,
    neg: (a) => a.neg() as Big,
    abs: (a) => a.abs() as Big,
    sign: (a) => (a.isZero() ? 0 : a.isNegative() ? -1 : 1),
    compare: (a, b) => a.comparedTo(b),
    equals: (a, b) => a.eq(b),
    toNumber: (a) => a.toNumber(),
    toString: (a) => a.toString(),
    isFinite: (a) => a.isFinite(),
    sqrt: (a) => a.sqrt() as Big,
    isZero: (a) => a.isZero(),
    transcendental: {
      exp: (a) => a.exp() as Big,
      log: (a) => a.ln() as Big,
      // decimal.js's own tanh is fast near 0 but slows exponentially in |a| (178 ms at 1e4, a hang at 1e6):
      // away from 0 use (1 − e^−2|a|)/(1 + e^−2|a|), which has no cancellation there.
      tanh: (a) => {
        if (a.abs().lt(0.5)) return a.tanh() as Big;
        const e = a.abs().mul(-2).exp();
        const t = make(1).sub(e).div(make(1).add(e)) as Big;
        return (a.isNegative() ? t.neg() : t) as Big;
      },
    },
  };
}

export const bigNumberField = makeBigNumberField();
