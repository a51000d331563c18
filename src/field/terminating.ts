/**
 * Exact rationals without gcds: a value whose denominator divides a power of
 * 10 (every double, every decimal a file spells) is m·2^a·5^b with an
 * integer mantissa m (a double while it is safe, BigInt beyond), kept odd and prime to 5, so products need no normalisation at
 * all and sums only strip a few trailing factors. A division by anything
 * else (the mean over N = 3 samples, a user's 1/3) falls back to a general
 * rational (Fraction) for that value and whatever is computed from it, and
 * comes back when its denominator is again 2^a·5^b. Same values, same Field
 * interface as the Fraction field: only the cost differs.
 */
import { Fraction } from 'fraction.js';
import type { Field, Scalar } from './field.js';
import { exactFraction, exactSqrt, formatFraction, fractionToNumber, isFraction, rationalField } from './rational.js';
import { InputError } from './errors.js';

/**
 * m·2^e2·5^e5; m odd and not a multiple of 5, or m = 0 with e2 = e5 = 0.
 * m is a JS number while it is a safe integer (|m| < 2^53, where double
 * arithmetic on integers is exact and far cheaper than BigInt) and a bigint
 * beyond: one representation per value, so equality compares fields.
 */
export class Terminating {
  constructor(
    readonly m: number | bigint,
    readonly e2: number,
    readonly e5: number,
  ) {}
}

export type ExactValue = Terminating | Fraction;

const FIVES: bigint[] = [1n];
function fivePower(k: number): bigint {
  for (let i = FIVES.length; i <= k; i++) FIVES.push(FIVES[i - 1]! * 5n);
  return FIVES[k]!;
}
/** 5^k as an exact double, for k ≤ 22 (5^22 < 2^53). */
const FIVES_AS_NUMBERS = Array.from({ length: 23 }, (_, k) => 5 ** k);

const ZERO = new Terminating(0, 0, 0);
const ONE = new Terminating(1, 0, 0);

/** The canonical mantissa: a number when it is a safe integer. */
const canonical = (m: bigint): number | bigint => (m >= -9007199254740991n && m <= 9007199254740991n ? Number(m) : m);
const big = (m: number | bigint): bigint => (typeof m === 'bigint' ? m : BigInt(m));
const isZero = (m: number | bigint) => m === 0 || m === 0n;

/** Strips the factors 2 and 5 of m into the exponents. */
function normalised(m: number | bigint, e2: number, e5: number): Terminating {
  if (isZero(m)) return ZERO;
  if (typeof m === 'bigint') {
    while ((m & 0xffn) === 0n) {
      m >>= 8n;
      e2 += 8;
    }
    while ((m & 1n) === 0n) {
      m >>= 1n;
      e2++;
    }
    while (m % 5n === 0n) {
      m /= 5n;
      e5++;
    }
    return new Terminating(canonical(m), e2, e5);
  }
  while (m % 2 === 0) {
    m /= 2;
    e2++;
  }
  while (m % 5 === 0) {
    m /= 5;
    e5++;
  }
  return new Terminating(m, e2, e5);
}

/** The same value as a Fraction. */
export function terminatingToFraction(x: Terminating): Fraction {
  let n = big(x.m);
  let d = 1n;
  if (x.e2 >= 0) n <<= BigInt(x.e2);
  else d <<= BigInt(-x.e2);
  if (x.e5 >= 0) n *= fivePower(x.e5);
  else d *= fivePower(-x.e5);
  return new Fraction(n, d);
}

/** p/q as m·2^a·5^b when q has no other prime factor; the Fraction itself otherwise. */
function fromFraction(x: Fraction): ExactValue {
  let d = x.d;
  let e2 = 0;
  let e5 = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    e2--;
  }
  while (d % 5n === 0n) {
    d /= 5n;
    e5--;
  }
  if (d !== 1n) return x;
  return normalised(x.s * x.n, e2, e5);
}

/** A double's exact value: its integer significand times a power of two. */
function fromDouble(x: number): Terminating {
  if (Number.isSafeInteger(x)) return normalised(x, 0, 0);
  const f = exactFraction(x); // throws on a non-finite value
  return fromFraction(f) as Terminating; // a double's denominator is a power of two
}

const asFraction = (x: ExactValue): Fraction => (x instanceof Terminating ? terminatingToFraction(x) : x);

/** m·2^k2·5^k5 (k2, k5 ≥ 0): in doubles while every step is an exact safe integer, else in BigInt. */
function scaled(m: number | bigint, k2: number, k5: number): number | bigint {
  if (typeof m === 'number' && k2 <= 52 && k5 <= 22) {
    const r = m * 2 ** k2 * FIVES_AS_NUMBERS[k5]!;
    // Both factors are exact, and a product that stays a safe integer was computed exactly.
    if (Number.isSafeInteger(r)) return r;
  }
  let b = big(m);
  if (k2 > 0) b <<= BigInt(k2);
  if (k5 > 0) b *= fivePower(k5);
  return b;
}

function sumOf(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return big(a) + big(b);
}

function productOf(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r;
  }
  return canonical(big(a) * big(b));
}

/** a + b for two terminating values: align to the smaller exponents, add, strip. */
function addTerminating(a: Terminating, b: Terminating): Terminating {
  if (isZero(a.m)) return b;
  if (isZero(b.m)) return a;
  const e2 = Math.min(a.e2, b.e2);
  const e5 = Math.min(a.e5, b.e5);
  return normalised(sumOf(scaled(a.m, a.e2 - e2, a.e5 - e5), scaled(b.m, b.e2 - e2, b.e5 - e5)), e2, e5);
}

const negate = (a: Terminating) => (isZero(a.m) ? a : new Terminating(-a.m, a.e2, a.e5));
const signOf = (m: number | bigint) => (m > 0 ? 1 : m < 0 ? -1 : 0);

export const terminatingField: Field<ExactValue> = {
  name: 'rational',
  exact: true,
  unitRoundoff: 0,
  zero: ZERO,
  one: ONE,
  fromScalar: (x: Scalar) => (isFraction(x) ? fromFraction(x) : fromDouble(x)),
  add: (a, b) => (a instanceof Terminating && b instanceof Terminating ? addTerminating(a, b) : fromFraction(asFraction(a).add(asFraction(b)))),
  sub: (a, b) => (a instanceof Terminating && b instanceof Terminating ? addTerminating(a, negate(b)) : fromFraction(asFraction(a).sub(asFraction(b)))),
  mul: (a, b) => {
    if (a instanceof Terminating && b instanceof Terminating) {
      if (isZero(a.m) || isZero(b.m)) return ZERO;
      return new Terminating(productOf(a.m, b.m), a.e2 + b.e2, a.e5 + b.e5); // odd·odd is odd, and 5 is prime
    }
    return fromFraction(asFraction(a).mul(asFraction(b)));
  },
  div: (a, b) => {
    if (terminatingField.sign(b) === 0) throw new RangeError('division by zero in the rational field');
    if (a instanceof Terminating && b instanceof Terminating && (b.m === 1 || b.m === -1)) {
      if (isZero(a.m)) return ZERO;
      return new Terminating(b.m === 1 ? a.m : -a.m, a.e2 - b.e2, a.e5 - b.e5);
    }
    return fromFraction(asFraction(a).div(asFraction(b)));
  },
  neg: (a) => (a instanceof Terminating ? negate(a) : a.neg()),
  abs: (a) => (a instanceof Terminating ? (a.m < 0 ? negate(a) : a) : a.abs()),
  sign: (a) => (a instanceof Terminating ? signOf(a.m) : a.n === 0n ? 0 : Number(a.s)),
  compare: (a, b) => terminatingField.sign(terminatingField.sub(a, b)),
  // Both representations are canonical, and a value with a 2^a·5^b denominator is always a Terminating.
  equals: (a, b) => (a instanceof Terminating && b instanceof Terminating ? a.m === b.m && a.e2 === b.e2 && a.e5 === b.e5 : !(a instanceof Terminating) && !(b instanceof Terminating) && a.equals(b)),
  toNumber: (a) => fractionToNumber(asFraction(a)),
  toString: (a) => formatFraction(asFraction(a)),
  isFinite: () => true,
  isZero: (a) => (a instanceof Terminating ? isZero(a.m) : a.n === 0n),
  sqrt: (a) => {
    const root = exactSqrt(asFraction(a));
    return root === undefined ? undefined : fromFraction(root);
  },
};

/** The value as a Fraction, whichever representation holds it (for output and for comparing with the Fraction field). */
export function exactValueToFraction(x: ExactValue): Fraction {
  return asFraction(x);
}

export type ExactFieldName = 'terminating' | 'fraction';

/**
 * The exact field the command line computes in: the terminating field unless
 * FLATCHECK_EXACT=fraction asks for mathjs's Fraction everywhere (same
 * values, exactly: a property compares them; only the speed differs).
 */
export function chosenExactField(value = process.env.FLATCHECK_EXACT): Field<ExactValue> {
  if (value === undefined || value === '' || value === 'terminating') return terminatingField;
  if (value === 'fraction') return rationalFieldAsExact;
  throw new InputError('FLATCHECK_EXACT', value, '"terminating" or "fraction"');
}

// Every value a Fraction-only computation produces is an ExactValue.
const rationalFieldAsExact = rationalField as unknown as Field<ExactValue>;
