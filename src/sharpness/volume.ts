/**
 * Flat volume (Hochreiter & Schmidhuber; THEORY.md §3, Theorem 2). A box
 * B = B∞(r, θ) is certified inside C(L, θ, ε) by interval arithmetic in
 * rationals (sup_B L < L(θ) + ε, proven). For one hidden layer,
 * T_α(θ1, θ2) = (αθ1, θ2/α) preserves L and moves θ along a path of constant
 * loss, so every T_α^k(B) lies in C too. If n1 ≠ n2 the image volumes
 * v·α^(k(n1−n2)) grow without bound; if n1 = n2, α > (m + r)/(m − r)
 * (m = ‖θ1‖∞ > r) makes B, T_α B, T_α² B, … pairwise disjoint, each of
 * volume v. Either way C has volume ≥ any V: the certificate says how.
 */
import { Fraction } from 'fraction.js';
import { rationalField as Q } from '../field/rational.js';
import * as I from '../field/interval.js';
import type { Interval } from '../field/interval.js';
import { loss } from '../network/forward.js';
import { flatten, unflatten } from '../network/flat.js';
import type { ActivationName, Dataset, Network } from '../network/types.js';
import { InputError } from '../field/errors.js';
import { PIECEWISE_LINEAR } from '../autodiff/derivatives.js';
import { Rng } from '../field/random.js';

type Net = Network<Fraction>;
type Data = Dataset<Fraction> & { loss: 'mse' };

/** φ's image of an interval, for piecewise-linear φ with its kink at 0: the extremes are at the ends or at 0. */
function activateInterval(activation: ActivationName, slope: Fraction | undefined, z: Interval): Interval {
  const phi = (x: Fraction): Fraction => {
    switch (activation) {
      case 'relu': return x.s > 0n ? x : Q.zero;
      case 'leaky-relu': return x.s > 0n ? x : slope!.mul(x);
      case 'abs': return x.abs();
      default: return x;
    }
  };
  const candidates = [phi(z.lo), phi(z.hi)];
  if (I.contains(z, Q.zero)) candidates.push(Q.zero);
  return candidates.reduce<Interval>((acc, c) => ({ lo: acc.lo.compare(c) <= 0 ? acc.lo : c, hi: acc.hi.compare(c) >= 0 ? acc.hi : c }), I.point(candidates[0]!));
}

/** A proven upper bound of L over the box {θ' : |θ'_i − θ_i| ≤ radius_i}. */
export function lossUpperBound(net: Net, data: Data, radius: readonly Fraction[], ops: Pick<typeof I, 'mul'> = I): Fraction {
  net.layers.forEach((l, k) => {
    if (!PIECEWISE_LINEAR.includes(l.activation)) throw new InputError(`layers[${k}].activation`, l.activation, 'a piecewise-linear activation for interval bounds');
  });
  // The network with every parameter replaced by its interval (activations and slopes stay exact).
  const boxNet = unflatten(net as unknown as Network<Interval>, flatten(net).map((t, i) => I.around(t, radius[i]!)));
  let total = Q.zero;
  data.inputs.forEach((x, s) => {
    let a: Interval[] = x.map(I.point);
    boxNet.layers.forEach((layer, k) => {
      a = layer.weights.map((row, i) => {
        let z = layer.bias ? layer.bias[i]! : I.point(Q.zero);
        row.forEach((w, j) => (z = I.add(z, ops.mul(w, a[j]!))));
        return activateInterval(layer.activation, net.layers[k]!.slope, z);
      });
    });
    a.forEach((f, o) => (total = total.add(I.square(I.sub(f, I.point(data.targets[s]![o]!))).hi)));
  });
  return total.div(Q.fromScalar(data.inputs.length * data.targets[0]!.length));
}

export interface CertifiedBox {
  radius: Fraction;
  /** sup over the box, proven: < L(θ) + ε. */
  lossBound: Fraction;
  lossAtTheta: Fraction;
}

/** The largest r = 2^-k (k ≥ 0) with sup_{B∞(r, θ)} L < L(θ) + ε. */
export function certifiedBox(net: Net, data: Data, epsilon: Fraction, maxHalvings = 400): CertifiedBox {
  const P = flatten(net).length;
  const lossAtTheta = loss(Q, net, data);
  const limit = lossAtTheta.add(epsilon);
  for (let k = 0; k <= maxHalvings; k++) {
    const radius = new Fraction(1n, 1n << BigInt(k));
    const lossBound = lossUpperBound(net, data, new Array<Fraction>(P).fill(radius));
    if (lossBound.compare(limit) < 0) return { radius, lossBound, lossAtTheta };
  }
  throw new RangeError(`no box of half-width ≥ 2^-${maxHalvings} certified: interval bounds did not fall below L(θ) + ε`);
}

export interface FlatVolumeCertificate {
  box: CertifiedBox;
  /** Parameter counts: n1 (first layer, bias included: both scale by α), n2 (second layer's weights), fixed (its bias). */
  n1: number;
  n2: number;
  fixed: number;
  /** vol B = (2r)^(n1+n2+fixed), exactly. */
  boxVolume: Fraction;
  alpha: Fraction;
  mode: 'growing' | 'disjoint';
  /** growing: the power k with vol T_α^k(B) ≥ V; disjoint: the number of pairwise disjoint images. */
  count: bigint;
  /** The certified volume (one image, or count disjoint images), exactly, and ≥ V. */
  volume: Fraction;
}

/**
 * A one-hidden-layer network's blocks under T_α: n1 parameters scale by α
 * (first layer, bias included), n2 by 1/α (second layer's weights), `fixed`
 * not at all (its bias); m = ‖θ1‖∞.
 */
function blocks(net: Net): { n1: number; n2: number; fixed: number; m: Fraction } {
  const [first, second] = net.layers as [Net['layers'][number], Net['layers'][number]];
  const theta1 = [...first.weights.flat(), ...(first.bias ?? [])];
  const m = theta1.reduce((acc, x) => (x.abs().compare(acc) > 0 ? x.abs() : acc), Q.zero);
  return { n1: theta1.length, n2: second.weights.flat().length, fixed: second.bias?.length ?? 0, m };
}

/** Theorem 2's certificate for a one-hidden-layer network: a volume ≥ V inside C(L, θ, ε). */
export function flatVolumeCertificate(net: Net, data: Data, epsilon: Fraction, V: Fraction): FlatVolumeCertificate {
  if (net.layers.length !== 2) throw new InputError('layers', net.layers.length, 'one hidden layer (Theorem 2)');
  const { n1, n2, fixed, m } = blocks(net);
  const box = certifiedBox(net, data, epsilon);
  const two = new Fraction(2n, 1n);
  const boxVolume = box.radius.mul(two).pow(n1 + n2 + fixed);
  if (n1 !== n2) {
    // vol T_α^k(B) = v·α^(k(n1−n2)): α = 2 grows it when n1 > n2, α = 1/2 when n2 > n1.
    const alpha = n1 > n2 ? two : two.inverse();
    const d = Math.abs(n1 - n2);
    let k = 0n;
    const volumeAt = (j: bigint) => boxVolume.mul(new Fraction(1n << (j * BigInt(d)), 1n));
    while (volumeAt(k).compare(V) < 0) k = k === 0n ? 1n : k * 2n;
    // Shrink to the smallest power that suffices (binary search between k/2 and k).
    let lo = k / 2n;
    while (lo + 1n < k) {
      const mid = (lo + k) / 2n;
      if (volumeAt(mid).compare(V) >= 0) k = mid;
      else lo = mid;
    }
    return { box, n1, n2, fixed, boxVolume, alpha, mode: 'growing', count: k, volume: volumeAt(k) };
  }
  if (m.compare(box.radius) <= 0) throw new RangeError('‖θ1‖∞ ≤ r: the disjoint-images argument needs θ1 farther from 0 than the box radius');
  // α = 2(m + r)/(m − r) > (m + r)/(m − r), as in the paper.
  const alpha = two.mul(m.add(box.radius)).div(m.sub(box.radius));
  const quotient = V.div(boxVolume);
  let count = quotient.n / quotient.d;
  if (boxVolume.mul(new Fraction(count, 1n)).compare(V) < 0) count += 1n;
  if (count < 1n) count = 1n;
  return { box, n1, n2, fixed, boxVolume, alpha, mode: 'disjoint', count, volume: boxVolume.mul(new Fraction(count, 1n)) };
}

/**
 * Re-checks a certificate from the network and data alone, trusting none of
 * its numbers: the block sizes and (2r)^P are recomputed, the box is
 * re-proven inside C(L, θ, ε) by intervals, α must be positive, the volume
 * must be what the mode says and ≥ V, and for disjoint images
 * α(m − r) > m + r (so in the coordinate where |θ1| = m the images'
 * intervals [α^k(m − r), α^k(m + r)] never overlap).
 */
export function checkFlatVolumeCertificate(net: Net, data: Data, epsilon: Fraction, c: FlatVolumeCertificate, V: Fraction): boolean {
  if (net.layers.length !== 2) return false;
  const { n1, n2, fixed, m } = blocks(net);
  if (c.n1 !== n1 || c.n2 !== n2 || c.fixed !== fixed) return false;
  const r = c.box.radius;
  if (r.s < 0n || r.n === 0n || c.alpha.s < 0n || c.alpha.n === 0n || c.count < 0n) return false;
  const boxVolume = r.mul(new Fraction(2n, 1n)).pow(n1 + n2 + fixed);
  if (!boxVolume.equals(c.boxVolume)) return false;
  const P = n1 + n2 + fixed;
  if (lossUpperBound(net, data, new Array<Fraction>(P).fill(r)).compare(loss(Q, net, data).add(epsilon)) >= 0) return false;
  if (c.volume.compare(V) < 0) return false;
  if (c.mode === 'growing') return n1 !== n2 && boxVolume.mul(c.alpha.pow(Number(c.count) * (n1 - n2))).equals(c.volume);
  return n1 === n2 && c.count >= 1n && c.alpha.mul(m.sub(r)).compare(m.add(r)) > 0 && boxVolume.mul(new Fraction(c.count, 1n)).equals(c.volume);
}

export interface FlatLogVolume {
  /** ln vol B∞(r, θ) = P·ln(2r) for the largest r found. */
  logVolume: number;
  radius: number;
  /** The fraction of sampled points of B∞(r, θ) with L < L(θ) + ε (≥ the acceptance asked). */
  acceptance: number;
  lossEvaluations: number;
}

/**
 * A Monte-Carlo estimate of the ε-flat box around θ: the largest half-width r
 * (by bisection on log r) such that at least `acceptance` of `samples` uniform
 * points of B∞(r, θ) have L < L(θ) + ε. An estimate, not a certificate (for
 * that, see certifiedBox); seeded, so reproducible.
 */
export function flatLogVolume(lossAt: (theta: number[]) => number, theta: readonly number[], epsilon: number, opts: { samples?: number; acceptance?: number; seed?: number; iterations?: number } = {}): FlatLogVolume {
  const samples = opts.samples ?? 64;
  const wanted = opts.acceptance ?? 0.95;
  const base = lossAt([...theta]);
  let evaluations = 1;
  const fractionInside = (r: number) => {
    const rng = new Rng(opts.seed ?? 0); // the same points (scaled) at every r: a monotone-friendly estimate
    let inside = 0;
    for (let s = 0; s < samples; s++) {
      const point = theta.map((t) => t + r * (2 * rng.next() - 1));
      evaluations++;
      if (lossAt(point) < base + epsilon) inside++;
    }
    return inside / samples;
  };
  // Bracket in log r, then bisect.
  let lo = -60;
  let hi = 20;
  if (fractionInside(Math.exp(hi)) >= wanted) lo = hi;
  for (let i = 0; i < (opts.iterations ?? 40) && hi - lo > 1e-9; i++) {
    const mid = (lo + hi) / 2;
    if (fractionInside(Math.exp(mid)) >= wanted) lo = mid;
    else hi = mid;
  }
  const radius = Math.exp(lo);
  return { logVolume: theta.length * Math.log(2 * radius), radius, acceptance: fractionInside(radius), lossEvaluations: evaluations };
}
