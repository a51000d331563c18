/** Scalars: exact rationals, dyadic floats, and positive scales spanning many orders of magnitude. */
import fc from 'fast-check';
import { Fraction } from 'fraction.js';

/** p/q with |p| ≤ maxNumerator, 1 ≤ q ≤ maxDenominator; shrinks toward 0 and small denominators. */
export function rational(maxNumerator = 12, maxDenominator = 12): fc.Arbitrary<Fraction> {
  return fc
    .tuple(fc.integer({ min: -maxNumerator, max: maxNumerator }), fc.integer({ min: 1, max: maxDenominator }))
    .map(([p, q]) => new Fraction(BigInt(p), BigInt(q)));
}

/** n / 4096 with |n / 4096| ≤ max: exact in float32 and float64, and far from subnormals. */
export function dyadic(max = 4): fc.Arbitrary<number> {
  return fc.integer({ min: -max * 4096, max: max * 4096 }).map((n) => n / 4096);
}

/**
 * Exact positive scales (p/q)·2^e, p, q ≤ 16, |e| ≤ maxExponent: from about
 * 2^-(maxExponent+4) to 2^(maxExponent+4). Shrinks toward 1.
 */
export function exactScale(maxExponent = 20): fc.Arbitrary<Fraction> {
  return fc
    .tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: -maxExponent, max: maxExponent }))
    .map(([p, q, e]) => new Fraction(BigInt(p) << BigInt(Math.max(e, 0)), BigInt(q) << BigInt(Math.max(-e, 0))));
}

/**
 * Log-uniform positive float scales 10^t, t uniform on a grid of [-decades, decades]
 * (fc.double is far from uniform, so the exponent is an integer grid). Shrinks toward 1.
 */
export function logUniformScale(decades = 6): fc.Arbitrary<number> {
  const steps = 10_000;
  return fc.integer({ min: -decades * steps, max: decades * steps }).map((t) => 10 ** (t / steps));
}
