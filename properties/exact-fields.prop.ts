// The gcd-free exact field (src/field/terminating.ts) is the Fraction field
// with another representation: on the same inputs every operation, and every
// forward pass, loss, gradient and Hessian, is equal exactly — including
// values that leave the terminating decimals (1/3, a mean over 3 samples)
// and come back.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import { dyadic, fitDataset, networkArbitrary, offKinks, rational, rawDatasetArbitrary, runs } from '../src/arbitraries/index.js';
import { rationalField as Q, type Scalar } from '../src/field/index.js';
import { exactValueToFraction, Terminating, terminatingField as T, type ExactValue } from '../src/field/terminating.js';
import { datasetIn, forward, loss, networkIn, shapeOf } from '../src/network/index.js';
import { lossGradient, lossHessian } from '../src/autodiff/derivatives.js';

/** Decimals m·10^−k (what a file spells), dyadic floats, small rationals (1/3 leaves the terminating ones), and large-exponent doubles. */
const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: 0, max: 6 })).map(([m, k]) => new Fraction(BigInt(m), 10n ** BigInt(k))),
  dyadic(4),
  rational(12, 12),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 }),
);

const same = (x: ExactValue, y: Fraction) => exactValueToFraction(x).equals(y);
const kindOf = (x: ExactValue) => (x instanceof Terminating ? 'terminating' : 'fraction');

describe('the terminating (gcd-free) exact field equals the Fraction field exactly', () => {
  it('every field operation, on decimals, doubles and general rationals', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(scalar, scalar, (a, b) => {
        const [ta, tb, qa, qb] = [T.fromScalar(a), T.fromScalar(b), Q.fromScalar(a), Q.fromScalar(b)];
        kinds.add(kindOf(ta));
        expect(same(T.add(ta, tb), qa.add(qb))).toBe(true);
        expect(same(T.sub(ta, tb), qa.sub(qb))).toBe(true);
        expect(same(T.mul(ta, tb), qa.mul(qb))).toBe(true);
        if (Q.sign(qb) !== 0) expect(same(T.div(ta, tb), qa.div(qb))).toBe(true);
        expect(T.compare(ta, tb)).toBe(Q.compare(qa, qb));
        expect(T.equals(ta, tb)).toBe(Q.equals(qa, qb));
        expect(T.sign(ta)).toBe(Q.sign(qa));
        expect(T.toNumber(ta)).toBe(Q.toNumber(qa));
        expect(T.toString(ta)).toBe(Q.toString(qa));
        expect(same(T.abs(T.neg(ta)), qa.abs())).toBe(true);
        // One representation per value (equals compares fields): the sum, however reached, is the sum read directly.
        expect(T.equals(T.add(ta, tb), T.fromScalar(qa.add(qb)))).toBe(true);
        expect(T.equals(T.mul(ta, tb), T.fromScalar(qa.mul(qb)))).toBe(true);
        // A value whose denominator is 2^a·5^b is held terminating again after any detour (equals relies on it).
        const back = T.mul(T.div(ta, T.fromScalar(new Fraction(3n))), T.fromScalar(3));
        expect(T.equals(back, ta)).toBe(true);
      }),
      runs(2000),
    );
    expect([...kinds].sort()).toEqual(['fraction', 'terminating']);
  });

  it('forward pass, loss, gradient and Hessian on random networks and datasets (mse over 1–4 samples: 1/3 and 1/6 scales)', () => {
    let checked = 0;
    fc.assert(
      fc.property(networkArbitrary({ maxHidden: 3, maxWidth: 4, maxInput: 3, maxOutput: 3, weights: 'dyadic' }), networkArbitrary({ maxHidden: 2, maxWidth: 3, maxInput: 2, maxOutput: 2 }), rawDatasetArbitrary({ maxSamples: 4 }), fc.boolean(), (dyadicNet, rationalNet, raw, useRational) => {
        const network = useRational ? rationalNet : dyadicNet;
        const dataset = fitDataset(raw, shapeOf(network));
        const [tn, td, qn, qd] = [networkIn(T, network), datasetIn(T, dataset), networkIn(Q, network), datasetIn(Q, dataset)];
        const outputs = forward(T, tn, td.inputs);
        forward(Q, qn, qd.inputs).forEach((row, s) => row.forEach((v, o) => expect(same(outputs[s]![o]!, v)).toBe(true)));
        expect(same(loss(T, tn, td), loss(Q, qn, qd))).toBe(true);
        const H = offKinks(() => lossHessian(T, tn, td));
        const g = lossGradient(T, tn, td);
        lossGradient(Q, qn, qd).forEach((v, i) => expect(same(g[i]!, v)).toBe(true));
        lossHessian(Q, qn, qd).forEach((row, i) => row.forEach((v, j) => expect(same(H[i]![j]!, v)).toBe(true)));
        checked++;
      }),
      runs(60),
    );
    expect(checked).toBeGreaterThan(runs(60).numRuns / 2);
  });
});
