/**
 * Running error bounds as a Field: each element is a float64 value v and a
 * bound on how far an engine of unit round-off u, evaluating the same
 * expression from leaves converted with relative error ρ, can be from the
 * exact value. Generic code (the v2 forward pass, its reverse mode, and
 * dual numbers over this field for forward-over-reverse) then yields error
 * bounds of what it computes.
 *
 * Rules, with x̂ the engine's value and |x̂ − x| ≤ e_x:
 * - a leaf: e = ρ|x|; an integer constant exactly representable in float32: e = 0;
 * - sums are kept open: x + y carries e_x + e_y and the list of its terms'
 *   magnitudes (their sum s and count k), and is closed only where a product
 *   or a function consumes it. A sum of k terms evaluated in ANY order or
 *   grouping rounds each term at most k − 1 times, plus once for a term that
 *   is an unrounded product, so closing adds γ_{k−1+p}·s (Higham, §3.1) —
 *   the engine's summation order (a matmul's, a convolution's, a reduction's)
 *   need not be the reference's;
 * - x·y: |y|e_x + |x|e_y + 3e_x e_y (the 3 also covers v standing in for
 *   the exact value), its rounding pending as above;
 * - x/y: (e_x + |q|e_y)/(|y| − e_y), exact for the perturbed quotient;
 *   √x: e_x/√x;
 * - exp, log, tanh: the mean-value bound over [x − e_x, x + e_x]
 *   (e^x·expm1(e_x), −log(1 − e_x/x), e_x·sech²(max(0, |x| − e_x))),
 *   plus KERNEL_ROUNDINGS·u relative for the engine's own kernel.
 * Every rounding also allows an absolute 2^-126 (float32 underflow).
 *
 * The result bounds the engine when it evaluates the same products, sums
 * (in any grouping) and functions as the reference code does. Branches must
 * agree: `fragile()` turns true when a sign or comparison (a ReLU's side, a
 * max-pool window's winner) lies within its error, or a denominator, root or
 * log argument is within half of itself of 0; the bounds are then void.
 */
import type { Field, Scalar } from '../field/field.js';
import { FLOAT64_UNIT_ROUNDOFF } from '../field/float64.js';
import { gamma } from '../network/bounds.js';
import { KERNEL_ROUNDINGS } from './bounds.js';

export interface Bounded {
  /** The value, in float64 (the reference's own value: the same operations in the same order). */
  readonly v: number;
  /** The error bound of everything closed so far. */
  readonly e: number;
  /** Σ|terms| of the open sum, its number of terms k, and p = 1 when one of them is an unrounded product or quotient. */
  readonly s: number;
  readonly k: number;
  readonly p: number;
}

export interface ErrorField extends Field<Bounded> {
  /** A leaf converted into the engine (weights, inputs, targets, running statistics, v). */
  leaf(x: number): Bounded;
  /** The bound on |x̂ − x|, every open sum closed. */
  bound(x: Bounded): number;
  /** True once some branch or denominator lay within its error: the bounds are then void. */
  fragile(): boolean;
}

/** Float32's smallest normal number: a flushed or subnormal result is off by less. */
const UNDERFLOW = 2 ** -126;

const term = (v: number, e: number, p: number): Bounded => ({ v, e, s: Math.abs(v), k: 1, p });
const ZERO: Bounded = { v: 0, e: 0, s: 0, k: 0, p: 0 };

/** The field for an engine of unit round-off u whose leaves were converted with relative error rho. */
export function errorField(u: number, rho: number): ErrorField {
  let fragile = false;
  const bound = (x: Bounded): number => {
    const n = x.k - 1 + x.p;
    return n > 0 ? x.e + gamma(n, u) * x.s + n * UNDERFLOW : x.e;
  };
  const exact = (x: Bounded) => x.v === 0 && bound(x) === 0;
  const nearZero = (gap: number, err: number) => {
    if (err > 0 && Math.abs(gap) <= err) fragile = true;
  };
  const denominator = (x: Bounded) => {
    const e = bound(x);
    if (!(e < Math.abs(x.v) / 2)) fragile = true;
    return e;
  };
  const kernel = (y: number, propagated: number): Bounded => term(y, propagated + KERNEL_ROUNDINGS * u * (Math.abs(y) + propagated) + UNDERFLOW, 0);
  return {
    name: 'float64',
    exact: false,
    unitRoundoff: FLOAT64_UNIT_ROUNDOFF,
    zero: ZERO,
    one: term(1, 0, 0),
    leaf: (x) => term(x, rho * Math.abs(x), 0),
    bound,
    fragile: () => fragile,
    fromScalar: (x: Scalar) => {
      const v = typeof x === 'number' ? x : Number(x.valueOf());
      return term(v, Number.isInteger(v) && Math.fround(v) === v ? 0 : u * Math.abs(v), 0);
    },
    add: (x, y) => ({ v: x.v + y.v, e: x.e + y.e, s: x.s + y.s, k: x.k + y.k, p: Math.max(x.p, y.p) }),
    sub: (x, y) => ({ v: x.v - y.v, e: x.e + y.e, s: x.s + y.s, k: x.k + y.k, p: Math.max(x.p, y.p) }),
    mul: (x, y) => {
      if (exact(x) || exact(y)) return ZERO;
      const ex = bound(x);
      const ey = bound(y);
      return term(x.v * y.v, Math.abs(y.v) * ex + Math.abs(x.v) * ey + 3 * ex * ey + UNDERFLOW, 1);
    },
    div: (x, y) => {
      const ey = denominator(y);
      const q = x.v / y.v;
      return term(q, (bound(x) + Math.abs(q) * ey) / (Math.abs(y.v) - ey) + UNDERFLOW, 1);
    },
    neg: (x) => ({ ...x, v: -x.v }),
    abs: (x) => ({ ...x, v: Math.abs(x.v) }),
    sign: (x) => {
      nearZero(x.v, bound(x));
      return Math.sign(x.v);
    },
    compare: (x, y) => {
      nearZero(x.v - y.v, bound(x) + bound(y));
      return Math.sign(x.v - y.v);
    },
    equals: (x, y) => x.v === y.v,
    toNumber: (x) => x.v,
    toString: (x) => `${x.v} ± ${bound(x)}`,
    isFinite: (x) => Number.isFinite(x.v) && Number.isFinite(bound(x)),
    isZero: (x) => x.v === 0 && x.e === 0 && x.s === 0,
    sqrt: (x) => {
      if (x.v < 0) return undefined;
      if (exact(x)) return ZERO;
      const e = denominator(x);
      const r = Math.sqrt(x.v);
      return term(r, e / r + UNDERFLOW, 1);
    },
    transcendental: {
      exp: (x) => {
        const y = Math.exp(x.v);
        return kernel(y, y * Math.expm1(bound(x)));
      },
      log: (x) => {
        const e = denominator(x);
        return kernel(Math.log(x.v), -Math.log1p(-e / x.v));
      },
      tanh: (x) => {
        const e = bound(x);
        const edge = Math.tanh(Math.max(0, Math.abs(x.v) - e));
        return kernel(Math.tanh(x.v), e * (1 - edge * edge));
      },
    },
  };
}
