// Source: Dinh et al. (ICML 2017), Theorem 2 (flat volume is infinite) and
// Definition 1 (volume ε-flatness, after Hochreiter & Schmidhuber 1997);
// THEORY.md §3. A box certified inside C(L, θ, ε) by exact interval
// arithmetic, and α-scale images of it with total volume ≥ any V.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import { expectFailure, rational, randomPointArbitrary, runs, teacherStudentArbitrary } from '../src/arbitraries/index.js';
import { interval as I, rationalField as Q } from '../src/field/index.js';
import { datasetIn, flatten, forward, loss, networkIn, unflatten, type Dataset, type Network } from '../src/network/index.js';
import { applySymmetry } from '../src/symmetry/index.js';
import { checkFlatVolumeCertificate, flatVolumeCertificate, lossUpperBound } from '../src/sharpness/volume.js';
import { covers } from '../src/report/covers.js';

type Data = Dataset<Fraction> & { loss: 'mse' };
const offsets = fc.array(rational(16, 16).map((t) => (t.abs().compare(Q.one) > 0 ? t.inverse() : t)), { minLength: 200, maxLength: 200 });

/** θ + r·t with every t_i ∈ [−1, 1]: a point of B∞(r, θ). */
function pointInBox(net: Network<Fraction>, radius: Fraction, t: Fraction[]): Network<Fraction> {
  return unflatten(net, flatten(net).map((x, i) => x.add(radius.mul(t[i]!))));
}

describe('Theorem 2: ∀ one-hidden-layer θ with θ1, θ2 ≠ 0, ∀ε > 0, ∀V: C(L, θ, ε) holds α-scale images of a certified box with total volume ≥ V', covers('theorem-2'), () => {
  it('certifies sup_B L < L(θ) + ε by intervals, and the volume ≥ V exactly (V up to 1e300); points of B and of T_α^k B stay below L(θ) + ε', () => {
    let modes = { growing: 0, disjoint: 0 };
    fc.assert(
      fc.property(
        teacherStudentArbitrary({ maxHidden: 1, maxWidth: 3, maxInput: 2, maxOutput: 2 }, { maxSamples: 3 }),
        fc.integer({ min: 1, max: 6 }).map((k) => new Fraction(1n, 10n ** BigInt(k))),
        fc.integer({ min: 0, max: 300 }).map((k) => new Fraction(10n ** BigInt(k), 1n)),
        offsets,
        fc.integer({ min: 1, max: 3 }),
        ({ network, dataset }, eps, V, t, power) => {
          const net = networkIn(Q, network);
          const data = datasetIn(Q, dataset) as Data;
          const first = [...net.layers[0]!.weights.flat(), ...(net.layers[0]!.bias ?? [])];
          fc.pre(first.some((x) => x.n !== 0n) && net.layers[1]!.weights.flat().some((x) => x.n !== 0n));
          let cert;
          try {
            cert = flatVolumeCertificate(net, data, eps, V);
          } catch (e) {
            // Equal block sizes need ‖θ1‖∞ > r; a tiny θ1 is a precondition failure, reported as such.
            fc.pre(!(e instanceof RangeError && /‖θ1‖∞ ≤ r/.test(e.message)));
            throw e;
          }
          modes[cert.mode]++;
          expect(checkFlatVolumeCertificate(net, data, eps, cert, V)).toBe(true);
          expect(cert.box.lossBound.compare(cert.box.lossAtTheta.add(eps))).toBeLessThan(0);
          // The theorem's steps, spot-checked exactly: a point of B, and its image in T_α^power(B).
          const inside = pointInBox(net, cert.box.radius, t);
          const limit = loss(Q, net, data).add(eps);
          expect(loss(Q, inside, data).compare(limit)).toBeLessThan(0);
          const alphas = [cert.alpha.pow(power), cert.alpha.pow(power).inverse()];
          expect(loss(Q, applySymmetry(Q, inside, { kind: 'layer-scale', alphas }), data).compare(limit)).toBeLessThan(0);
          const moved = applySymmetry(Q, net, { kind: 'layer-scale', alphas });
          expect(forward(Q, moved, data.inputs)).toEqual(forward(Q, net, data.inputs));
        },
      ),
      runs(100),
    );
    console.info(`Theorem 2 certificates: ${modes.growing} by growing volume (n1 ≠ n2), ${modes.disjoint} by disjoint images (n1 = n2)`);
    expect(modes.growing).toBeGreaterThan(0);
    modes = { growing: 0, disjoint: 0 };
  });

  it('the disjoint-images case (n1 = n2) is reached: 1 input, 1 hidden unit, 1 output, no biases', () => {
    const net = networkIn(Q, { inputSize: 1, layers: [{ weights: [[2]], activation: 'relu' }, { weights: [[new Fraction(1n, 3n)]], activation: 'linear' }] });
    const data = datasetIn(Q, { loss: 'mse', inputs: [[1], [2]], targets: [[new Fraction(2n, 3n)], [new Fraction(4n, 3n)]] }) as Data;
    const V = new Fraction(10n ** 100n, 1n);
    const cert = flatVolumeCertificate(net, data, new Fraction(1n, 100n), V);
    expect(cert.mode).toBe('disjoint');
    const eps = new Fraction(1n, 100n);
    expect(checkFlatVolumeCertificate(net, data, eps, cert, V)).toBe(true);
    expect(cert.count > 10n ** 90n).toBe(true);
    // Forged certificates are rejected: an inflated box volume, a box too wide to be inside C, a negative α.
    expect(checkFlatVolumeCertificate(net, data, eps, { ...cert, boxVolume: V, count: 1n, volume: V }, V)).toBe(false);
    const wide = new Fraction(1n, 2n);
    expect(checkFlatVolumeCertificate(net, data, eps, { ...cert, box: { ...cert.box, radius: wide }, boxVolume: wide.mul(new Fraction(2n, 1n)).pow(2), count: 10n ** 100n, volume: wide.mul(new Fraction(2n, 1n)).pow(2).mul(new Fraction(10n ** 100n, 1n)) }, V)).toBe(false);
    expect(checkFlatVolumeCertificate(net, data, eps, { ...cert, mode: 'growing', n1: 3, alpha: new Fraction(-2n, 1n) }, V)).toBe(false);
  });
});

describe('Interval bounds are sound: for every box and every point in it, L(point) ≤ the interval bound', covers('theorem-2'), () => {
  const soundness = (mul: typeof I.mul) =>
    fc.property(randomPointArbitrary({ maxHidden: 2, maxWidth: 3, maxInput: 2, maxOutput: 2 }, { maxSamples: 2 }), rational(4, 8).map((r) => r.abs()), offsets, ({ network, dataset }, r, t) => {
      const net = networkIn(Q, network);
      const data = datasetIn(Q, dataset) as Data;
      const bound = lossUpperBound(net, data, flatten(net).map(() => r), { mul });
      return loss(Q, pointInBox(net, r, t), data).compare(bound) <= 0;
    });

  it('holds for random networks, boxes and points (exact rationals)', () => {
    fc.assert(soundness(I.mul), runs(200));
  });

  it('negative control: an interval product that forgets the mixed-sign corners is caught', () => {
    const broken: typeof I.mul = (a, b) => ({ lo: a.lo.mul(b.lo), hi: a.hi.mul(b.hi) });
    const caught = expectFailure(soundness(broken), runs(300));
    console.info(`broken interval product: caught, seed ${caught.seed}\n${caught.message}`);
    expect(caught.counterexample[0].network.layers.length).toBeLessThanOrEqual(3);
  });
});
