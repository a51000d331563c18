/**
 * A number field the network code is generic over. Nothing here knows about
 * networks. `exact` fields (rationals) never round; the others do, with unit
 * round-off `unitRoundoff` used by the error bounds elsewhere.
 */
import { Fraction } from 'fraction.js';

/** A scalar as it arrives from users or generators: a JS number or an exact rational. */
export type Scalar = number | Fraction;

export interface Field<T> {
  readonly name: FieldName;
  readonly exact: boolean;
  /** 0 for exact fields; the unit round-off u otherwise. */
  readonly unitRoundoff: number;
  readonly zero: T;
  readonly one: T;
  /** Exact for `exact` fields (a float becomes the rational it denotes); rounded otherwise. */
  fromScalar(x: Scalar): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  neg(a: T): T;
  abs(a: T): T;
  /** -1, 0 or 1. */
  sign(a: T): number;
  compare(a: T, b: T): number;
  equals(a: T, b: T): boolean;
  toNumber(a: T): number;
  /** "p/q" for rationals, the shortest round-trip decimal otherwise. */
  toString(a: T): string;
  isFinite(a: T): boolean;
  /** Exactly zero in every part (a dual number with a zero value but a nonzero tangent is not): what may be skipped in a sum. */
  isZero(a: T): boolean;
  /**
   * √a for a ≥ 0 (batch norm's denominators). Rounded in float fields; in
   * exact fields the exact root, or undefined when it is irrational.
   */
  sqrt(a: T): T | undefined;
  /** Transcendental functions; absent in exact fields (tanh, softplus, cross-entropy need them). */
  readonly transcendental?: {
    exp(a: T): T;
    log(a: T): T;
    tanh(a: T): T;
  };
}

export type FieldName = 'rational' | 'float64' | 'bignumber';
export const FIELD_NAMES: readonly FieldName[] = ['rational', 'float64', 'bignumber'];
