// The gcd-free exact field (src/field/terminating.ts) is the Fraction field
// with another representation: on the same inputs every operation, and every
// forward pass, loss, gradient and Hessian, is equal exactly — including
// values that leave the terminating decimals (1/3, a mean over 3 samples)
// and come back.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import { dyadic, expectFailure, fitDataset, networkArbitrary, offKinks, rational, rawDatasetArbitrary, runs } from '../src/arbitraries/index.js';
import { rationalField as Q, type Field, type Scalar } from '../src/field/index.js';
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

/** `E` (the terminating field, or a broken copy) against the Fraction field on two scalars: every operation, equal exactly. */
function fieldAgrees(E: Field<ExactValue>, a: Scalar, b: Scalar): boolean {
  const [ta, tb, qa, qb] = [E.fromScalar(a), E.fromScalar(b), Q.fromScalar(a), Q.fromScalar(b)];
  return (
    same(E.add(ta, tb), qa.add(qb)) &&
    same(E.sub(ta, tb), qa.sub(qb)) &&
    same(E.mul(ta, tb), qa.mul(qb)) &&
    (Q.sign(qb) === 0 || same(E.div(ta, tb), qa.div(qb))) &&
    E.compare(ta, tb) === Q.compare(qa, qb) &&
    E.equals(ta, tb) === Q.equals(qa, qb) &&
    E.sign(ta) === Q.sign(qa) &&
    E.toNumber(ta) === Q.toNumber(qa) &&
    E.toString(ta) === Q.toString(qa) &&
    same(E.abs(E.neg(ta)), qa.abs()) &&
    // One representation per value (equals compares fields): the sum, however reached, is the sum read directly.
    E.equals(E.add(ta, tb), E.fromScalar(qa.add(qb))) &&
    E.equals(E.mul(ta, tb), E.fromScalar(qa.mul(qb))) &&
    // A value whose denominator is 2^a·5^b is held terminating again after any detour (equals relies on it).
    E.equals(E.mul(E.div(ta, E.fromScalar(new Fraction(3n))), E.fromScalar(3)), ta)
  );
}

describe('the terminating (gcd-free) exact field equals the Fraction field exactly', () => {
  it('every field operation, on decimals, doubles and general rationals', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(scalar, scalar, (a, b) => {
        kinds.add(kindOf(T.fromScalar(a)));
        expect(fieldAgrees(T, a, b)).toBe(true);
      }),
      runs(2000),
    );
    expect([...kinds].sort()).toEqual(['fraction', 'terminating']);
  });

  it('negative controls: a sum that forgets to align the powers of 5, and a product whose safe-integer check is gone, are caught', () => {
    const unaligned: Field<ExactValue> = {
      ...T,
      add: (x, y) => (x instanceof Terminating && y instanceof Terminating && x.e5 !== y.e5 ? T.add(x, new Terminating(y.m, y.e2, x.e5)) : T.add(x, y)),
    };
    const rounded: Field<ExactValue> = {
      ...T,
      mul: (x, y) => (x instanceof Terminating && y instanceof Terminating && typeof x.m === 'number' && typeof y.m === 'number' && x.m !== 0 && y.m !== 0 ? new Terminating(x.m * y.m, x.e2 + y.e2, x.e5 + y.e5) : T.mul(x, y)),
    };
    for (const broken of [unaligned, rounded]) {
      const caught = expectFailure(fc.property(scalar, scalar, (a, b) => fieldAgrees(broken, a, b)), runs(2000));
      console.info(`broken terminating field: caught at ${fc.stringify(caught.counterexample)}, seed ${caught.seed}`);
    }
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
