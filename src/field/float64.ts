/** IEEE double precision: fast, rounded, unit round-off 2^-53. */
import type { Field } from './field.js';
import { fractionToNumber, isFraction } from './rational.js';

export const FLOAT64_UNIT_ROUNDOFF = 2 ** -53;
export const FLOAT32_UNIT_ROUNDOFF = 2 ** -24;

export const float64Field: Field<number> = {
  name: 'float64',
  exact: false,
  unitRoundoff: FLOAT64_UNIT_ROUNDOFF,
  zero: 0,
  one: 1,
  fromScalar: (x) => (isFraction(x) ? fractionToNumber(x) : x), // correctly rounded: a decimal from a file gives the double its text does
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  neg: (a) => -a,
  abs: Math.abs,
  sign: (a) => (a > 0 ? 1 : a < 0 ? -1 : 0),
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  equals: (a, b) => a === b,
  toNumber: (a) => a,
  toString: (a) => String(a),
  isFinite: Number.isFinite,
  sqrt: Math.sqrt,
  isZero: (a) => a === 0,
  transcendental: { exp: Math.exp, log: Math.log, tanh: Math.tanh },
};
