/**
 * Exact rationals (mathjs's Fraction, bigint numerator and denominator): the
 * proof path. No rounding and no tolerance anywhere in this file.
 */
import { Fraction } from 'fraction.js';
import type { Field, Scalar } from './field.js';

/** The exact rational value of a finite double, read from its bits (mathjs's own conversion rounds to a "simple" fraction). */
export function exactFraction(x: number): Fraction {
  if (!Number.isFinite(x)) throw new RangeError(`cannot convert ${x} to an exact rational: not finite`);
  if (Number.isInteger(x) && Number.isSafeInteger(x)) return new Fraction(BigInt(x), 1n);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  const fractionBits = bits & ((1n << 52n) - 1n);
  // value = mantissa · 2^(exponent), subnormals have no hidden bit.
  const mantissa = exponentBits === 0 ? fractionBits : fractionBits | (1n << 52n);
  const exponent = (exponentBits === 0 ? 1 : exponentBits) - 1075;
  const signed = negative ? -mantissa : mantissa;
  return exponent >= 0
    ? new Fraction(signed << BigInt(exponent), 1n)
    : new Fraction(signed, 1n << BigInt(-exponent));
}

const RATIONAL_STRING = /^[+-]?\d+(\/\d+)?$/;
const DECIMAL_STRING = /^[+-]?\d+\.\d+$/;

/**
 * Parses an exact rational written "p/q", an integer "p", or a finite decimal
 * "1.25". Returns undefined when the text is none of these (callers name the field).
 */
export function parseRational(text: string): Fraction | undefined {
  const s = text; // no trimming: " 1/2" in a file is malformed, not silently fixed
  if (RATIONAL_STRING.test(s)) {
    const [p, q = '1'] = s.split('/');
    const den = BigInt(q);
    if (den === 0n) return undefined;
    return new Fraction(BigInt(p!), den);
  }
  if (DECIMAL_STRING.test(s)) return parseDecimal(s);
  return undefined;
}

/** A decimal number as written in JSON or on a command line: digits, an optional fraction, an optional exponent. */
const DECIMAL_NUMBER = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** Past this, 10^exponent is a megabyte-sized integer; every finite double's decimal is far inside it. */
export const MAX_DECIMAL_EXPONENT = 10_000;

/**
 * The exact rational a decimal spells: "0.1" is 1/10, "-1.5e-3" is -3/2000
 * (a double's reading of "0.1" is 3602879701896397/36028797018963968).
 * Undefined for text that is not a decimal, or whose exponent passes
 * ±MAX_DECIMAL_EXPONENT (callers name the field).
 */
export function parseDecimal(text: string): Fraction | undefined {
  const m = DECIMAL_NUMBER.exec(text);
  if (!m) return undefined;
  const [, sign, whole, frac = '', exp = '0'] = m as unknown as [string, string, string, string | undefined, string | undefined];
  const exponent = Number(exp) - frac.length;
  if (!Number.isSafeInteger(Number(exp)) || Math.abs(exponent) > MAX_DECIMAL_EXPONENT) return undefined;
  const digits = BigInt(whole + frac) * (sign === '-' ? -1n : 1n);
  return exponent >= 0 ? new Fraction(digits * 10n ** BigInt(exponent), 1n) : new Fraction(digits, 10n ** BigInt(-exponent));
}

export function isFraction(x: unknown): x is Fraction {
  return x instanceof Fraction;
}

export function toFraction(x: Scalar): Fraction {
  return isFraction(x) ? x : exactFraction(x);
}

/** "p/q", or "p" for integers. */
export function formatFraction(x: Fraction): string {
  return x.toFraction();
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/**
 * The double nearest to p/q, ties to even (fraction.js's valueOf divides
 * Number(p) by Number(q), which is NaN or 0 once p or q passes 2^1024).
 * Normal results: a 56+-bit quotient with a sticky bit, which BigInt → Number
 * rounds correctly, then exact power-of-two scaling. Subnormal results (below
 * 2^-1022, checked exactly): rounded once, on the grid of 2^-1074.
 */
export function fractionToNumber(x: Fraction): number {
  if (x.n === 0n) return 0;
  const sign = Number(x.s);
  if (x.n << 1022n < x.d) {
    // |x| < 2^-1022: the result is a multiple of 2^-1074; round n·2^1074/d to an integer, half to even.
    const scaled = x.n << 1074n;
    let q = scaled / x.d;
    const twiceRemainder = (scaled % x.d) * 2n;
    if (twiceRemainder > x.d || (twiceRemainder === x.d && (q & 1n) === 1n)) q += 1n;
    return sign * Number(q) * 2 ** -1074;
  }
  const shift = 56 - (bitLength(x.n) - bitLength(x.d));
  const scaledN = shift >= 0 ? x.n << BigInt(shift) : x.n;
  const scaledD = shift >= 0 ? x.d : x.d << BigInt(-shift);
  const quotient = scaledN / scaledD;
  const sticky = scaledN % scaledD === 0n ? 0n : 1n;
  let value = Number((quotient << 1n) | sticky);
  // value · 2^-(shift+1), in steps so no intermediate overflows or underflows early.
  let exponent = -(shift + 1);
  while (exponent > 0) {
    const step = Math.min(exponent, 1000);
    value *= 2 ** step;
    exponent -= step;
  }
  while (exponent < 0) {
    const step = Math.max(exponent, -1000);
    value *= 2 ** step;
    exponent -= step;
  }
  return sign * value;
}

/** 2^e as an exact rational, for any integer e. */
export function powerOfTwo(e: number): Fraction {
  return e >= 0 ? new Fraction(1n << BigInt(e), 1n) : new Fraction(1n, 1n << BigInt(-e));
}

/** ⌊√n⌋ for n ≥ 0, by Newton's method on BigInt. */
function integerSqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // The double's guess is within a few units for n < 2^106; Newton settles it above that.
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x && x * x <= n && (x + 1n) * (x + 1n) > n) return x;
    x = y === x ? x - 1n : y;
  }
}

/** The exact √a of a fraction in lowest terms, or undefined when it is irrational (a < 0 included). */
export function exactSqrt(a: Fraction): Fraction | undefined {
  if (a.s < 0n && a.n !== 0n) return undefined;
  const n = integerSqrt(a.n);
  const d = integerSqrt(a.d);
  return n * n === a.n && d * d === a.d ? new Fraction(n, d) : undefined;
}

const ZERO = new Fraction(0n, 1n);
const ONE = new Fraction(1n, 1n);

export const rationalField: Field<Fraction> = {
  name: 'rational',
  exact: true,
  unitRoundoff: 0,
  zero: ZERO,
  one: ONE,
  fromScalar: toFraction,
  add: (a, b) => a.add(b),
  sub: (a, b) => a.sub(b),
  mul: (a, b) => a.mul(b),
  div: (a, b) => {
    if (b.n === 0n) throw new RangeError('division by zero in the rational field');
    return a.div(b);
  },
  neg: (a) => a.neg(),
  abs: (a) => a.abs(),
  sign: (a) => (a.n === 0n ? 0 : Number(a.s)),
  compare: (a, b) => a.compare(b),
  equals: (a, b) => a.equals(b),
  toNumber: fractionToNumber,
  toString: formatFraction,
  isFinite: () => true,
  sqrt: exactSqrt,
  isZero: (a) => a.n === 0n,
};
