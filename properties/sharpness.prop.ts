// Source: Dinh et al. (ICML 2017), Section 4.3 (ε-sharpness, after Keskar et
// al. 2017) and THEORY.md §2–§3: the paper's argument that the constant
// predictor lies in the ε-ball around T_α θ, and flatcheck's strengthening —
// ε-sharpness, in the ball and in Keskar's box, is unbounded along the
// layer-scale orbit for every ε, with an exact certificate per bound.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import { expectFailure, offKinks, randomPointArbitrary, runs, teacherStudentArbitrary } from '../src/arbitraries/index.js';
import { float64Field, fractionToNumber, rationalField as Q } from '../src/field/index.js';
import { datasetIn, flatten, forward, loss, networkIn, unflatten, type Dataset } from '../src/network/index.js';
import { forwardErrorBound, mseLossGapBound } from '../src/network/bounds.js';
import { applySymmetry } from '../src/symmetry/index.js';
import {
  certifySharpnessWitness, checkSharpnessClaim, constantPredictorPoint, findSharpnessWitness, float64Oracle, maximiseSharpness, randomSubspace,
} from '../src/sharpness/index.js';
import { covers } from '../src/report/covers.js';

const epsilons = fc.oneof(
  fc.integer({ min: 1, max: 8 }).map((k) => new Fraction(1n, 10n ** BigInt(k))),
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 2, max: 64 })).map(([p, q]) => new Fraction(BigInt(p), BigInt(q))),
);
const bounds = fc.integer({ min: 0, max: 12 }).map((k) => new Fraction(10n ** BigInt(k), 1n));

describe('Section 4.3 (the paper): ∀ε, for α ≤ ε/‖θ1‖₂ the constant-zero predictor (0, θ2/α) lies in B₂(ε, T_α θ), so ε-sharpness(T_α θ) ≥ (L(0) − L(θ))/(1 + L(θ))', covers('section-4-3'), () => {
  it('holds exactly for one-hidden-layer networks without biases, in the ball and in Keskar\'s box', () => {
    fc.assert(
      fc.property(teacherStudentArbitrary({ maxHidden: 1, maxWidth: 4, maxInput: 3, maxOutput: 2, bias: 'never' }), epsilons, ({ network, dataset }, eps) => {
        const net = networkIn(Q, network);
        const data = datasetIn(Q, dataset) as Dataset<Fraction> & { loss: 'mse' };
        fc.pre(net.layers[0]!.weights.flat().some((w) => w.n !== 0n));
        const { alphas, z } = constantPredictorPoint(net, eps);
        const moved = applySymmetry(Q, net, { kind: 'layer-scale', alphas });
        const zeroPredictorLoss = data.targets.flat().reduce((s, y) => s.add(y.mul(y)), Q.zero).div(Q.fromScalar(data.targets.flat().length));
        const ball = checkSharpnessClaim(moved, data, { kind: 'ball', epsilon: eps }, z);
        const box = checkSharpnessClaim(moved, data, { kind: 'box', epsilon: eps }, z);
        expect(ball.feasible).toBe(true);
        expect(box.feasible).toBe(true);
        expect(loss(Q, moved, data).add(ball.increase).equals(zeroPredictorLoss)).toBe(true);
        const L = loss(Q, net, data);
        expect(ball.value.equals(zeroPredictorLoss.sub(L).div(Q.one.add(L)))).toBe(true);
      }),
      runs(200),
    );
  });
});

describe('ε-sharpness is unbounded (flatcheck\'s strengthening): ∀θ with a non-zero last hidden activation, ∀ε, ∀M ∃(α, δ): ‖δ‖₂ ≤ ε, δ ∈ C_ε, (L(T_α θ + δ) − L)/(1 + L) ≥ M, f_{T_α θ} = f_θ', covers('section-4-3'), () => {
  it('certifies the witness exactly at minima and random points, one to three hidden layers, in the ball and in Keskar\'s box', () => {
    let certified = 0;
    fc.assert(
      fc.property(
        fc.oneof(teacherStudentArbitrary({ maxHidden: 3, maxWidth: 3, maxInput: 3, maxOutput: 2 }), randomPointArbitrary({ maxHidden: 3, maxWidth: 3, maxInput: 3, maxOutput: 2 })),
        epsilons,
        bounds,
        ({ network, dataset }, eps, M) => {
          const net = networkIn(Q, network);
          const data = datasetIn(Q, dataset) as Dataset<Fraction> & { loss: 'mse' };
          const w = findSharpnessWitness(net, data, eps, M);
          fc.pre(w !== undefined); // every last-hidden activation is 0 on the data: nothing moves the output
          const cert = certifySharpnessWitness(net, data, eps, M, w!);
          expect(cert.outputsIdentical).toBe(true);
          expect(cert.ball.feasible && cert.box.feasible).toBe(true);
          expect(cert.ball.value.compare(M)).toBeGreaterThanOrEqual(0);
          expect(cert.holds).toBe(true);
          certified++;
        },
      ),
      runs(150),
    );
    expect(certified).toBeGreaterThanOrEqual(runs(150).numRuns);
  });

  it('negative control: the same witness pushed just outside the ball is rejected by the exact checker', () => {
    const caught = expectFailure(
      fc.property(teacherStudentArbitrary({ maxHidden: 1, maxWidth: 3, maxInput: 2, maxOutput: 1 }), epsilons, ({ network, dataset }, eps) => {
        const net = networkIn(Q, network);
        const data = datasetIn(Q, dataset) as Dataset<Fraction> & { loss: 'mse' };
        const w = findSharpnessWitness(net, data, eps, Q.one);
        fc.pre(w !== undefined);
        const outside = w!.delta.map((d) => d.mul(new Fraction((1n << 40n) + 1n, 1n << 40n)));
        const moved = applySymmetry(Q, net, { kind: 'layer-scale', alphas: w!.alphas });
        return checkSharpnessClaim(moved, data, { kind: 'ball', epsilon: eps }, outside).feasible;
      }),
      runs(50),
    );
    expect(caught.counterexample[0].network.layers.length).toBe(2);
  });
});

describe('The maximiser reports proven lower bounds: its argmax is feasible exactly and its value re-evaluates in rationals', covers('section-4-3'), () => {
  it('ball, full-space box and random-subspace box', () => {
    fc.assert(
      fc.property(
        randomPointArbitrary({ weights: 'dyadic', maxHidden: 2, maxWidth: 4, maxInput: 3, maxOutput: 2 }, { values: 'dyadic', maxSamples: 3 }),
        fc.constantFrom('ball', 'box', 'subspace'),
        fc.integer({ min: 1, max: 4 }).map((k) => 10 ** -k),
        (c, kind, eps) => {
          const net = networkIn(float64Field, c.network);
          const data = datasetIn(float64Field, c.dataset);
          const theta = flatten(net);
          const A = kind === 'subspace' ? randomSubspace(theta.length, Math.min(3, theta.length), 1) : undefined;
          const region = kind === 'ball' ? { kind: 'ball' as const, epsilon: eps } : { kind: 'box' as const, epsilon: eps, ...(A ? { subspace: A } : {}) };
          const result = offKinks(() => maximiseSharpness(float64Oracle(net, data), theta, region, { restarts: 2, iterations: 10, seed: 1 }));
          const checked = checkSharpnessClaim(networkIn(Q, c.network), datasetIn(Q, c.dataset), region, result.y ?? result.z);
          expect(checked.feasible).toBe(true);
          expect(result.value).toBeGreaterThanOrEqual(0);
          // The reported float value is the exact one up to the two float loss evaluations' derived error.
          const scale = kind === 'ball' ? 1 : 100;
          const u = float64Field.unitRoundoff;
          const lossError = (t: number[]) => {
            const moved = unflatten(net, t);
            const outputs = forward(float64Field, moved, data.inputs);
            return mseLossGapBound(outputs, (data as Dataset<number> & { loss: 'mse' }).targets, forwardErrorBound(moved, data.inputs, { u }), u);
          };
          const Ea = lossError(theta.map((t, i) => t + result.z[i]!));
          const Eb = lossError(theta);
          const b = loss(float64Field, net, data);
          const bound = (scale * (Ea + Eb) + Math.abs(result.value) * Eb) / (1 + b - Eb) + 4 * u * Math.abs(result.value);
          expect(Math.abs(fractionToNumber(checked.value) - result.value)).toBeLessThanOrEqual(bound);
        },
      ),
      runs(60),
    );
  });
});
