/**
 * Constructive witnesses for the unboundedness theorems (THEORY.md §3), and
 * their certificates. A witness is a layer-scale α of powers of two; a
 * certificate recomputes everything *from scratch* at T_α θ in rationals —
 * outputs, Hessian or gradient — and checks the claimed bound exactly, so a
 * certificate never relies on the transformation law it illustrates.
 */
import { Fraction } from 'fraction.js';
import { powerOfTwo as pow2, rationalField as Q } from '../field/rational.js';
import { sameOutputs as sameFunction } from '../network/forward.js';
import { shapeOf, type Dataset, type Network } from '../network/types.js';
import { lossGradient, lossHessian, lossHessianDiagonal } from '../autodiff/derivatives.js';
import { applySymmetry, symmetryMap, transformHessian } from '../symmetry/index.js';
import { countEigenvaluesAbove, symmetricRank } from '../linalg/exact.js';
import { InputError } from '../field/errors.js';

type Net = Network<Fraction>;
type Data = Dataset<Fraction>;

/** Layer-scale with α_a = 2^-t and α_b = 2^t, every other α_k = 1 (so ∏α = 1 exactly). */
export function twoLayerScale(layers: number, shrink: number, grow: number, t: number): Fraction[] {
  return Array.from({ length: layers }, (_, k) => (k === shrink ? pow2(-t) : k === grow ? pow2(t) : pow2(0)));
}

/** log2 of each θ entry's scale under twoLayerScale(…, t = 1): s_p(t) = 2^(m_p·t). */
function scaleExponents(net: Net, shrink: number, grow: number): number[] {
  const map = symmetryMap(Q, shapeOf(net), { kind: 'layer-scale', alphas: twoLayerScale(net.layers.length, shrink, grow, 1) });
  return map.scale.map((s) => (s.n === 1n ? -(s.d.toString(2).length - 1) : s.n.toString(2).length - 1));
}

/** Smallest integer t ≥ 0 with value · 2^(rate·t) ≥ bound (value > 0, rate > 0), exactly. */
function smallestExponent(value: Fraction, rate: number, bound: Fraction): number {
  let t = Math.max(0, Math.floor(Math.log2(bound.valueOf() / value.valueOf()) / rate) - 1);
  if (!Number.isFinite(t)) t = 0;
  while (value.mul(pow2(rate * t)).compare(bound) < 0) t++;
  while (t > 0 && value.mul(pow2(rate * (t - 1))).compare(bound) >= 0) t--;
  return t;
}

export interface ScaleWitness {
  alphas: Fraction[];
  /** The θ index whose diagonal Hessian entry (or gradient entry) certifies the bound. */
  index: number;
}

/**
 * α with |∇²L(T_α θ)_pp| ≥ M for some p (hence |||∇²L(T_α θ)|||₂ ≥ M), found
 * from ∇²L(θ) by the law H'_pp = H_pp / s_p². Undefined when every diagonal
 * entry that some layer-scale can grow is zero.
 */
export function findHessianWitness(net: Net, H: Fraction[][], M: Fraction): ScaleWitness | undefined {
  return findDiagonalWitness(net, H.map((row, p) => row[p]!), M);
}

/** The same from the Hessian's diagonal alone (lossHessianDiagonal: no P × P matrix, so trained-size networks fit). */
export function findDiagonalWitness(net: Net, diagonal: Fraction[], M: Fraction): ScaleWitness | undefined {
  return findWitness(net, (p) => diagonal[p]!.abs(), 2, M);
}

/** α with |∂L/∂θ_p (T_α θ)| ≥ B for some p (hence ‖∇L(T_α θ)‖ ≥ B), by g'_p = g_p / s_p. */
export function findGradientWitness(net: Net, g: Fraction[], B: Fraction): ScaleWitness | undefined {
  return findWitness(net, (p) => g[p]!.abs(), 1, B);
}

function findWitness(net: Net, magnitude: (p: number) => Fraction, power: number, bound: Fraction): ScaleWitness | undefined {
  const K = net.layers.length;
  let best: { t: number; alphas: Fraction[]; index: number } | undefined;
  for (let shrink = 0; shrink < K; shrink++) {
    for (let grow = 0; grow < K; grow++) {
      if (shrink === grow) continue;
      scaleExponents(net, shrink, grow).forEach((m, p) => {
        const value = magnitude(p);
        if (m >= 0 || value.n === 0n) return;
        const t = smallestExponent(value, -power * m, bound);
        if (!best || t < best.t) best = { t, alphas: twoLayerScale(K, shrink, grow, t), index: p };
      });
    }
  }
  return best && { alphas: best.alphas, index: best.index };
}

export interface HessianCertificate {
  /** f_{T_α θ}(x) = f_θ(x) on every input, exactly. */
  outputsIdentical: boolean;
  index: number;
  /** ∇²L(T_α θ)_pp, recomputed at T_α θ. */
  diagonal: Fraction;
  trace: Fraction;
  /** |diagonal| ≥ M, so |||∇²L(T_α θ)|||₂ ≥ M. */
  spectralNormAtLeastBound: boolean;
  traceAtLeastBound: boolean;
}

const sameOutputs = (net: Net, moved: Net, data: Data) => sameFunction(Q, net, moved, data.inputs);

export function certifyHessianWitness(net: Net, data: Data, w: ScaleWitness, M: Fraction): HessianCertificate {
  const moved = applySymmetry(Q, net, { kind: 'layer-scale', alphas: w.alphas });
  // The diagonal, recomputed from scratch at T_α θ, is all the certificate needs: the entry, and the trace as its sum.
  const diagonalAtMoved = lossHessianDiagonal(Q, moved, data);
  const diagonal = diagonalAtMoved[w.index]!;
  const tr = diagonalAtMoved.reduce((sum, v) => sum.add(v), Q.zero);
  return {
    outputsIdentical: sameOutputs(net, moved, data),
    index: w.index,
    diagonal,
    trace: tr,
    spectralNormAtLeastBound: diagonal.abs().compare(M) >= 0,
    traceAtLeastBound: tr.compare(M) >= 0,
  };
}

export interface GradientCertificate {
  outputsIdentical: boolean;
  /** ‖∇L(T_α θ)‖², recomputed at T_α θ. */
  normSquared: Fraction;
  atLeastBound: boolean;
}

export function certifyGradientWitness(net: Net, data: Data, w: ScaleWitness, B: Fraction): GradientCertificate {
  const moved = applySymmetry(Q, net, { kind: 'layer-scale', alphas: w.alphas });
  const normSquared = lossGradient(Q, moved, data).reduce((s, g) => s.add(g.mul(g)), new Fraction(0n, 1n));
  return { outputsIdentical: sameOutputs(net, moved, data), normSquared, atLeastBound: normSquared.compare(B.mul(B)) >= 0 };
}

/**
 * Theorem 5's transformation: β = 2^t, α_k = β⁻¹ on every layer but the one
 * with the fewest parameters, which gets β^(K−1). t is the smallest for which
 * the law H' = D H D already has ≥ r − min_k n_k eigenvalues above M (the
 * theorem says one exists); the certificate recounts at T_α θ from scratch.
 */
export interface ManyEigenvaluesWitness {
  alphas: Fraction[];
  rank: number;
  smallestLayer: number;
  smallestLayerSize: number;
  /** r − min_k n_k: the theorem's guaranteed count (may be ≤ 0: then there is nothing to show). */
  guaranteed: number;
}

export function findManyEigenvaluesWitness(net: Net, H: Fraction[][], M: Fraction, maxExponent = 1 << 14): ManyEigenvaluesWitness {
  const shape = shapeOf(net);
  // The theorem is stated without biases: b_K never scales (∏α = 1) and middle biases scale by
  // cumulative products, so with biases r − min_k n_k need not be reachable at all.
  shape.hasBias.forEach((b, k) => {
    if (b) throw new InputError(`layers[${k}].bias`, 'present', 'a network without biases (Theorem 5 is stated without them)');
  });
  const K = shape.sizes.length;
  const sizes = shape.sizes.map((out, k) => out * (k === 0 ? shape.inputSize : shape.sizes[k - 1]!) + (shape.hasBias[k] ? out : 0));
  const smallestLayer = sizes.indexOf(Math.min(...sizes));
  const rank = symmetricRank(Q, H);
  const guaranteed = rank - sizes[smallestLayer]!;
  const alphasFor = (t: number) => sizes.map((_, k) => (k === smallestLayer ? pow2(t * (K - 1)) : pow2(-t)));
  let t = 0;
  if (guaranteed > 0) {
    for (;;) {
      const law = transformHessian(Q, symmetryMap(Q, shape, { kind: 'layer-scale', alphas: alphasFor(t) }), H);
      if (countEigenvaluesAbove(Q, law, M) >= guaranteed) break;
      if (t >= maxExponent) throw new RangeError(`Theorem 5: no β ≤ 2^${maxExponent} gives ${guaranteed} eigenvalues above M (the theorem says one exists: a bug, or an unreachable M)`);
      t = t === 0 ? 1 : Math.min(t * 2, maxExponent);
    }
  }
  return { alphas: alphasFor(t), rank, smallestLayer, smallestLayerSize: sizes[smallestLayer]!, guaranteed };
}

export function certifyManyEigenvalues(net: Net, data: Data, alphas: Fraction[], M: Fraction): { outputsIdentical: boolean; countAbove: number } {
  const moved = applySymmetry(Q, net, { kind: 'layer-scale', alphas });
  return { outputsIdentical: sameOutputs(net, moved, data), countAbove: countEigenvaluesAbove(Q, lossHessian(Q, moved, data), M) };
}

/**
 * The converse ("made flat"), one hidden layer: under α = (a, 1/a) the trace is
 * Tr(a) = a⁻²A + a²B + C (A: the first layer's diagonal, B: the second layer's
 * weights, C: its bias), whose infimum over a > 0 is 2√(AB) + C. For any η > 0
 * this finds a rational a with Tr(a) ≤ inf + η, certified exactly without
 * square roots: Tr(a) − C − η ≤ 0, or (Tr(a) − C − η)² ≤ 4AB.
 */
export interface FlatWitness {
  alphas: Fraction[];
  traceAtAlpha: Fraction;
  A: Fraction;
  B: Fraction;
  C: Fraction;
}

export function traceBlocks(net: Net, H: Fraction[][]): { A: Fraction; B: Fraction; C: Fraction } {
  const [first, second] = shapeOf(net).sizes;
  const firstCount = first! * net.inputSize + (net.layers[0]!.bias ? first! : 0);
  const secondWeights = second! * first!;
  const sum = (from: number, to: number) => H.slice(from, to).reduce((s, row, i) => s.add(row[from + i]!), new Fraction(0n, 1n));
  return { A: sum(0, firstCount), B: sum(firstCount, firstCount + secondWeights), C: sum(firstCount + secondWeights, H.length) };
}

export function traceAt(a: Fraction, A: Fraction, B: Fraction, C: Fraction): Fraction {
  return A.div(a.mul(a)).add(B.mul(a).mul(a)).add(C);
}

export function withinOfInfimum(value: Fraction, A: Fraction, B: Fraction, C: Fraction, eta: Fraction): boolean {
  const gap = value.sub(C).sub(eta);
  return gap.s < 0n || gap.n === 0n || gap.mul(gap).compare(A.mul(B).mul(new Fraction(4n, 1n))) <= 0;
}

export function findFlatWitness(net: Net, H: Fraction[][], eta: Fraction): FlatWitness {
  const { A, B, C } = traceBlocks(net, H);
  let a: Fraction;
  if (A.n === 0n || B.n === 0n) {
    // Infimum C, approached by shrinking the non-zero block: a → ∞ when B = 0, a → 0 when A = 0.
    let t = 0;
    const grow = B.n === 0n;
    while (!withinOfInfimum(traceAt(pow2(grow ? t : -t), A, B, C), A, B, C, eta)) t++;
    a = pow2(grow ? t : -t);
  } else {
    // Newton on a⁴ = A/B in rationals, from a float start, until the exact test passes.
    const c = A.div(B);
    a = new Fraction(BigInt(Math.round(Math.max(Math.pow(c.valueOf(), 0.25), 1e-300) * 2 ** 40)) || 1n, 1n << 40n);
    for (let i = 0; i < 64 && !withinOfInfimum(traceAt(a, A, B, C), A, B, C, eta); i++) {
      const a3 = a.mul(a).mul(a);
      a = a.sub(a3.mul(a).sub(c).div(a3.mul(new Fraction(4n, 1n))));
      // Keep the numbers small: round a to 2^-(40 + 8i) when that still improves.
      const scale = 1n << BigInt(40 + 8 * i);
      a = new Fraction((a.n * scale) / a.d || 1n, scale);
    }
  }
  return { alphas: [a, a.inverse()], traceAtAlpha: traceAt(a, A, B, C), A, B, C };
}
