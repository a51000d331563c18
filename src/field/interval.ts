/**
 * Interval arithmetic with exact rational endpoints: every operation returns
 * an interval containing every value the operation can take on its inputs'
 * intervals, with no rounding — so a bound computed here is a proof.
 */
import { Fraction } from 'fraction.js';

export interface Interval {
  lo: Fraction;
  hi: Fraction;
}

const min = (...xs: Fraction[]) => xs.reduce((a, b) => (a.compare(b) <= 0 ? a : b));
const max = (...xs: Fraction[]) => xs.reduce((a, b) => (a.compare(b) >= 0 ? a : b));
const ZERO = new Fraction(0n, 1n);

export function point(x: Fraction): Interval {
  return { lo: x, hi: x };
}

export function around(x: Fraction, radius: Fraction): Interval {
  return { lo: x.sub(radius), hi: x.add(radius) };
}

export function add(a: Interval, b: Interval): Interval {
  return { lo: a.lo.add(b.lo), hi: a.hi.add(b.hi) };
}

export function sub(a: Interval, b: Interval): Interval {
  return { lo: a.lo.sub(b.hi), hi: a.hi.sub(b.lo) };
}

export function mul(a: Interval, b: Interval): Interval {
  const p = [a.lo.mul(b.lo), a.lo.mul(b.hi), a.hi.mul(b.lo), a.hi.mul(b.hi)];
  return { lo: min(...p), hi: max(...p) };
}

export function square(a: Interval): Interval {
  const l = a.lo.mul(a.lo);
  const h = a.hi.mul(a.hi);
  if (a.lo.compare(ZERO) <= 0 && a.hi.compare(ZERO) >= 0) return { lo: ZERO, hi: max(l, h) };
  return { lo: min(l, h), hi: max(l, h) };
}

/** The image of a monotone non-decreasing map. */
export function monotone(a: Interval, f: (x: Fraction) => Fraction): Interval {
  return { lo: f(a.lo), hi: f(a.hi) };
}

export function abs(a: Interval): Interval {
  if (a.lo.compare(ZERO) >= 0) return a;
  if (a.hi.compare(ZERO) <= 0) return { lo: a.hi.neg(), hi: a.lo.neg() };
  return { lo: ZERO, hi: max(a.lo.neg(), a.hi) };
}

export function scale(a: Interval, c: Fraction): Interval {
  return mul(a, point(c));
}

export function contains(a: Interval, x: Fraction): boolean {
  return a.lo.compare(x) <= 0 && x.compare(a.hi) <= 0;
}
