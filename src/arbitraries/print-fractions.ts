/**
 * A vitest setup file (vitest.config.ts), not imported by the library: importing flatcheck patches no
 * prototype. In this repository's properties, counterexamples print a Fraction as "p/q" (fraction.js's
 * own toString writes 1/3 as "0.(3)").
 */
import fc from 'fast-check';
import { Fraction } from 'fraction.js';

Object.defineProperty(Fraction.prototype, fc.toStringMethod, {
  value(this: Fraction) {
    return JSON.stringify(this.toFraction());
  },
});
