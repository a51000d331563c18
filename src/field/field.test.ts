import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import { exactFraction, fractionToNumber, parseRational, rationalField } from './rational.js';
import { float64Field } from './float64.js';
import { bigNumberField, makeBigNumberField } from './bignumber.js';

describe('exactFraction: a double becomes exactly the rational it denotes', () => {
  it('0.1 is 3602879701896397/36028797018963968, not 1/10 (mathjs.fraction would say 1/10)', () => {
    expect(exactFraction(0.1).toFraction()).toBe('3602879701896397/36028797018963968');
    expect(exactFraction(Math.fround(0.1)).toFraction()).toBe('13421773/134217728');
  });

  it('round-trips every finite double, subnormals and huge values included', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const q = exactFraction(x);
        expect(fractionToNumber(q)).toBe(x === 0 ? 0 : x); // -0 becomes 0
        // The denominator is a power of two, as for every binary float.
        expect(q.d & (q.d - 1n)).toBe(0n);
      }),
    );
    expect(exactFraction(5e-324).d).toBe(1n << 1074n);
    expect(exactFraction(2 ** 1000).n).toBe(1n << 1000n);
  });

  it('rejects non-finite values', () => {
    expect(() => exactFraction(NaN)).toThrow(/not finite/);
    expect(() => exactFraction(Infinity)).toThrow(/not finite/);
  });
});

describe('fractionToNumber: the nearest double, even where numerator and denominator overflow a double', () => {
  it('rounds p/q correctly', () => {
    const digits = fc.oneof(fc.bigInt({ min: 1n, max: 1n << 1200n }), fc.bigInt({ min: 1n, max: 1n << 64n }).map((b) => b << 1100n));
    fc.assert(
      fc.property(digits, digits, (p, q) => {
        const x = fractionToNumber(new Fraction(p, q));
        if (!Number.isFinite(x)) {
          expect(new Fraction(p, q).compare(exactFraction(Number.MAX_VALUE))).toBe(1);
          return;
        }
        // Correct rounding: p/q lies within half an ulp of x, i.e. |p − x·q| ≤ ulp(x)/2 · q, checked exactly.
        const exactX = exactFraction(x);
        const view = new DataView(new ArrayBuffer(8));
        view.setFloat64(0, x);
        const exponentBits = (view.getUint16(0) >> 4) & 0x7ff;
        const ulp = new Fraction(1n, 1n << 1075n).mul(new Fraction(1n << BigInt(Math.max(exponentBits, 1)), 1n));
        expect(exactX.sub(new Fraction(p, q)).abs().compare(ulp.div(2))).toBeLessThanOrEqual(0);
      }),
    );
    expect(fractionToNumber(new Fraction(1n << 2000n, (1n << 2000n) * 3n))).toBe(1 / 3);
    expect(fractionToNumber(new Fraction(-1n, 1n << 1074n))).toBe(-5e-324);
    // Just above half of the smallest subnormal: rounds up to it (a double rounding would give 0).
    expect(fractionToNumber(new Fraction((1n << 60n) + 1n, 1n << 1135n))).toBe(5e-324);
    expect(fractionToNumber(new Fraction(1n, 1n << 1075n))).toBe(0); // exactly half: ties to even (0)
    expect(fractionToNumber(new Fraction(3n, 1n << 1075n))).toBe(2 * 5e-324); // 1.5 ulps: ties to even (2)
  });
});

describe('parseRational', () => {
  it.each([
    ['-3/7', '-3/7'],
    ['6/4', '3/2'],
    ['+5', '5'],
    ['1.25', '5/4'],
    ['-0.001', '-1/1000'],
  ])('%s is %s', (text, expected) => expect(parseRational(text)!.toFraction()).toBe(expected));

  it.each(['1/0', 'abc', '3/-7', '', '1e3', 'NaN', '1/2/3', '0x10', ' 1/2', '1\n'])('%j is not a rational', (text) => expect(parseRational(text)).toBeUndefined());
});

describe('fields agree on exact arithmetic where floats are exact', () => {
  it('rational, float64 and bignumber give the same results on small dyadics', () => {
    const small = fc.integer({ min: -1024, max: 1024 }).map((n) => n / 64);
    fc.assert(
      fc.property(small, small, (a, b) => {
        const Q = rationalField;
        const exact = Q.add(Q.mul(Q.fromScalar(a), Q.fromScalar(b)), Q.fromScalar(a));
        expect(float64Field.add(float64Field.mul(a, b), a)).toBe(exact.valueOf());
        const B = bigNumberField;
        expect(B.toNumber(B.add(B.mul(B.fromScalar(a), B.fromScalar(b)), B.fromScalar(a)))).toBe(exact.valueOf());
      }),
    );
  });

  it('bignumber converts a Fraction at its own precision, and its unit round-off reflects the digits', () => {
    const B = makeBigNumberField(30);
    expect(B.toString(B.fromScalar(new Fraction(1n, 3n)))).toBe('0.' + '3'.repeat(30));
    expect(B.unitRoundoff).toBe(0.5 * 10 ** -29);
  });

  it('the rational field refuses to divide by zero and has no transcendental functions', () => {
    expect(() => rationalField.div(rationalField.one, rationalField.zero)).toThrow(/division by zero/);
    expect(rationalField.transcendental).toBeUndefined();
  });
});

describe('bignumber tanh', () => {
  it('agrees with decimal.js on moderate arguments and stays fast on huge ones', () => {
    const B = makeBigNumberField(40);
    for (const x of [0.1, 0.49, 0.5, 1, 3, -7, 20]) {
      const ours = B.transcendental!.tanh(B.fromScalar(x));
      const theirs = (B.fromScalar(x) as unknown as { tanh(): typeof ours }).tanh();
      expect(B.toNumber(B.abs(B.sub(ours, theirs)))).toBeLessThanOrEqual(4 * B.unitRoundoff);
    }
    expect(B.toString(B.transcendental!.tanh(B.fromScalar(1e9)))).toBe('1');
    expect(B.toString(B.transcendental!.tanh(B.fromScalar(-1e6)))).toBe('-1');
  });
});
