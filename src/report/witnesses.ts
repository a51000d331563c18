/**
 * The sample witnesses of the proof report's theorem sections: each is
 * computed on a small seeded network and re-checked exactly by the
 * certificate code the properties use (rationals: no rounding, no tolerance).
 */
import { Fraction } from 'fraction.js';
import { formatFraction, fractionToNumber, powerOfTwo, rationalField as Q } from '../field/rational.js';
import { datasetIn, networkIn, randomDataset, randomNetwork, type NetworkSpec } from '../network/index.js';
import { flatten, forward, loss, sameOutputs, shapeOf, unflatten, type Dataset, type Network } from '../network/index.js';
import { seededMinimum } from '../arbitraries/minima.js';
import { lossGradient, lossHessian } from '../autodiff/derivatives.js';
import { applySymmetry, describeSymmetry, symmetryMap, transformGradient, transformHessian, type Symmetry } from '../symmetry/index.js';
import {
  certifyGradientWitness, certifyHessianWitness, certifyManyEigenvalues, findFlatWitness, findGradientWitness, findHessianWitness, findManyEigenvaluesWitness,
  traceAt, withinOfInfimum,
} from '../curvature/index.js';
import { frobeniusSquared, largestDiagonal, matricesEqual, trace } from '../linalg/exact.js';
import { certifySharpnessWitness, constantPredictorPoint, findSharpnessWitness } from '../sharpness/witness.js';
import { checkSharpnessClaim } from '../sharpness/check.js';
import { checkFlatVolumeCertificate, flatVolumeCertificate } from '../sharpness/volume.js';
import { hessianInEta, radial } from '../reparam/index.js';

type Net = Network<Fraction>;
type Data = Dataset<Fraction> & { loss: 'mse' };

/** A witness as the report shows it: labelled values, and whether every exact re-check passed. */
export interface Witness {
  network: string;
  rows: [label: string, value: string][];
  certified: boolean;
}

// ---------------------------------------------------------------------------------------------
// Formatting and the seeded problems

/** An exact rational as the report prints it: 2^k for powers of two, p/q when short, else ≈ a decimal (exact value in JSON). */
export function showExact(x: Fraction): string {
  const isPow2 = (v: bigint) => v > 0n && (v & (v - 1n)) === 0n;
  if (x.n !== 0n && isPow2(x.n) && isPow2(x.d) && (x.n > 256n || x.d > 256n)) return `${x.s < 0n ? '−' : ''}2^${x.n > 1n ? x.n.toString(2).length - 1 : -(x.d.toString(2).length - 1)}`;
  const text = formatFraction(x);
  return text.length <= 24 ? text : `≈ ${fractionToNumber(x).toPrecision(6)}`;
}
const yes = (b: boolean) => (b ? 'yes (exact)' : '**NO**');

function describeProblem(net: Net, data: Dataset<Fraction>, what: string): string {
  const s = shapeOf(net);
  return `${what}: ${[s.inputSize, ...s.sizes].join('–')} ${s.activations[0]}, ${s.hasBias.some((b) => b) ? 'with' : 'no'} biases, ${flatten(net).length} parameters, ${data.inputs.length} samples`;
}

const ONE_HIDDEN: NetworkSpec = { inputSize: 2, hidden: [3], outputSize: 1, activation: 'relu', bias: false };
const TWO_HIDDEN: NetworkSpec = { inputSize: 2, hidden: [3, 2], outputSize: 1, activation: 'relu', bias: false };

/** A teacher–student minimum in rationals (L = 0, ∇L = 0 exactly). */
function minimum(spec: NetworkSpec, seed: number, samples = 4): { net: Net; data: Data } {
  const { network, dataset } = seededMinimum(spec, samples, seed);
  return { net: networkIn(Q, network), data: datasetIn(Q, dataset) as Data };
}

/** A random (generally non-critical) point: a seeded network and seeded Gaussian targets. */
function randomPoint(spec: NetworkSpec, seed: number, samples = 4): { net: Net; data: Data } {
  const net = networkIn(Q, randomNetwork(spec, seed));
  return { net, data: datasetIn(Q, randomDataset({ inputSize: spec.inputSize, outputSize: spec.outputSize, samples, loss: 'mse' }, seed + 1)) as Data };
}

const alphasText = (alphas: Fraction[]) => `(${alphas.map(showExact).join(', ')})`;

// ---------------------------------------------------------------------------------------------
// The witnesses

export function observationalEquivalence(seed: number): Witness {
  const { net, data } = randomPoint({ ...TWO_HIDDEN, bias: true }, seed);
  const symmetries: Symmetry[] = [
    { kind: 'layer-scale', alphas: [powerOfTwo(10), new Fraction(1n, 3n), new Fraction(3n, 1n << 10n)] },
    { kind: 'neuron-scale', layer: 1, scales: [new Fraction(7n, 2n), new Fraction(1n, 5n), powerOfTwo(-12)] },
    { kind: 'permutation', layer: 2, perm: [1, 0] },
  ];
  const rows: Witness['rows'] = [];
  let certified = true;
  for (const sym of symmetries) {
    const moved = applySymmetry(Q, net, sym);
    const same = sameOutputs(Q, net, moved, data.inputs) && loss(Q, moved, data).equals(loss(Q, net, data));
    certified &&= same;
    rows.push([`S = ${describeSymmetry(sym)}`, `f_{Sθ}(x) = f_θ(x) on every sample and L(Sθ) = L(θ): ${yes(same)}`]);
  }
  const outputs = forward(Q, net, data.inputs).map((r) => r.map(showExact).join(', '));
  rows.push(['f_θ(x) on the samples (exact)', outputs.join('; ')]);
  return { network: describeProblem(net, data, 'random point'), rows, certified };
}

export function flatVolume(seed: number): Witness {
  const { net, data } = minimum(ONE_HIDDEN, seed);
  const eps = new Fraction(1n, 100n);
  const V = new Fraction(10n ** 100n, 1n);
  const c = flatVolumeCertificate(net, data, eps, V);
  const certified = checkFlatVolumeCertificate(net, data, eps, c, V);
  return {
    network: describeProblem(net, data, 'teacher minimum'),
    certified,
    rows: [
      ['ε, V', `${showExact(eps)}, 10^100`],
      ['box B∞(r, θ) inside C(L, θ, ε)', `r = ${showExact(c.box.radius)}; sup_B L ≤ ${showExact(c.box.lossBound)} < L(θ) + ε = ${showExact(c.box.lossAtTheta.add(eps))} (interval arithmetic)`],
      ['blocks n1, n2 (fixed)', `${c.n1}, ${c.n2} (${c.fixed})`],
      ['α, mode', `${showExact(c.alpha)}, ${c.mode === 'growing' ? `vol T_α^k(B) = vol B·α^(k(n1−n2)) with k = ${c.count}` : `${c.count} pairwise disjoint images`}`],
      ['certified volume ≥ V', `${showExact(c.volume)}: ${yes(certified)}`],
    ],
  };
}

export function transformationLaw(seed: number): Witness {
  const { net, data } = randomPoint(ONE_HIDDEN, seed);
  const alphas = [powerOfTwo(5), powerOfTwo(-5)];
  const sym: Symmetry = { kind: 'layer-scale', alphas };
  const map = symmetryMap(Q, shapeOf(net), sym);
  const moved = applySymmetry(Q, net, sym);
  const gradientHolds = lossGradient(Q, moved, data).every((g, i) => g.equals(transformGradient(Q, map, lossGradient(Q, net, data))[i]!));
  const H = lossHessian(Q, net, data);
  const hessianHolds = matricesEqual(Q, lossHessian(Q, moved, data), transformHessian(Q, map, H));
  const P = H.length;
  return {
    network: describeProblem(net, data, 'random point'),
    certified: gradientHolds && hessianHolds,
    rows: [
      ['α', alphasText(alphas)],
      ['∇L(T_α θ) recomputed = S⁻ᵀ∇L(θ)', `${yes(gradientHolds)}, all ${P} entries`],
      ['∇²L(T_α θ) recomputed = S⁻ᵀ∇²L(θ)S⁻¹', `${yes(hessianHolds)}, all ${P}×${P} entries`],
    ],
  };
}

export function unboundedSpectralNorm(seed: number): Witness {
  const { net, data } = minimum(ONE_HIDDEN, seed);
  const M = new Fraction(10n ** 12n, 1n);
  const w = findHessianWitness(net, lossHessian(Q, net, data), M);
  if (!w) throw new RangeError(`Theorem 4 witness: the seeded minimum (seed ${seed}) has a zero Hessian diagonal`);
  const c = certifyHessianWitness(net, data, w, M);
  return {
    network: describeProblem(net, data, 'teacher minimum'),
    certified: c.outputsIdentical && c.spectralNormAtLeastBound && c.traceAtLeastBound,
    rows: [
      ['M', '10^12'],
      ['α', alphasText(w.alphas)],
      [`∇²L(T_α θ)_pp, p = ${c.index} (recomputed at T_α θ)`, `${showExact(c.diagonal)} ≥ M, so |||∇²L(T_α θ)|||₂ ≥ M: ${yes(c.spectralNormAtLeastBound)}`],
      ['Tr ∇²L(T_α θ)', `${showExact(c.trace)} ≥ M: ${yes(c.traceAtLeastBound)}`],
      ['outputs identical', yes(c.outputsIdentical)],
    ],
  };
}

export function manyEigenvalues(seed: number): Witness {
  const { net, data } = minimum(TWO_HIDDEN, seed, 6);
  const M = new Fraction(10n ** 6n, 1n);
  const w = findManyEigenvaluesWitness(net, lossHessian(Q, net, data), M);
  const c = certifyManyEigenvalues(net, data, w.alphas, M);
  return {
    network: describeProblem(net, data, 'teacher minimum'),
    certified: c.outputsIdentical && c.countAbove >= w.guaranteed,
    rows: [
      ['M', '10^6'],
      ['rank r of ∇²L(θ) (exact elimination)', String(w.rank)],
      ['smallest layer k, n_k', `${w.smallestLayer + 1}, ${w.smallestLayerSize}`],
      ['α (∏α_k = 1)', alphasText(w.alphas)],
      ['eigenvalues of ∇²L(T_α θ) above M (Sylvester inertia, recomputed)', `${c.countAbove} ≥ r − min_k n_k = ${w.guaranteed}: ${yes(c.countAbove >= w.guaranteed)}`],
      ['outputs identical', yes(c.outputsIdentical)],
    ],
  };
}

export function noLipschitzConstant(seed: number): Witness {
  const { net, data } = randomPoint(ONE_HIDDEN, seed);
  const B = new Fraction(10n ** 12n, 1n);
  const w = findGradientWitness(net, lossGradient(Q, net, data), B);
  if (!w) throw new RangeError(`Theorem 6 witness: ∇L = 0 at the seeded point (seed ${seed})`);
  const c = certifyGradientWitness(net, data, w, B);
  return {
    network: describeProblem(net, data, 'random point'),
    certified: c.outputsIdentical && c.atLeastBound,
    rows: [
      ['B', '10^12'],
      ['α', alphasText(w.alphas)],
      ['‖∇L(T_α θ)‖² (recomputed)', `${showExact(c.normSquared)} ≥ B²: ${yes(c.atLeastBound)}`],
      ['outputs identical', yes(c.outputsIdentical)],
    ],
  };
}

export function madeFlat(seed: number): Witness {
  const { net, data } = minimum(ONE_HIDDEN, seed);
  const eta = new Fraction(1n, 1000n);
  const w = findFlatWitness(net, lossHessian(Q, net, data), eta);
  const moved = applySymmetry(Q, net, { kind: 'layer-scale', alphas: w.alphas });
  const recomputed = trace(Q, lossHessian(Q, moved, data));
  const holds = recomputed.equals(traceAt(w.alphas[0]!, w.A, w.B, w.C)) && withinOfInfimum(recomputed, w.A, w.B, w.C, eta);
  const same = sameOutputs(Q, net, moved, data.inputs);
  return {
    network: describeProblem(net, data, 'teacher minimum'),
    certified: holds && same,
    rows: [
      ['η', showExact(eta)],
      ['Tr ∇²L(T_α θ) = a⁻²A + a²B + C', `A = ${showExact(w.A)}, B = ${showExact(w.B)}, C = ${showExact(w.C)}; at α = 1: ${showExact(w.A.add(w.B).add(w.C))}`],
      ['α', alphasText(w.alphas)],
      ['Tr ∇²L(T_α θ) (recomputed) ≤ 2√(AB) + C + η', `≈ ${fractionToNumber(recomputed).toPrecision(8)} vs 2√(AB) + C ≈ ${(2 * Math.sqrt(fractionToNumber(w.A.mul(w.B))) + fractionToNumber(w.C)).toPrecision(8)}: ${yes(holds)}`],
      ['outputs identical', yes(same)],
    ],
  };
}

export function sharpness(seed: number): Witness {
  const { net, data } = minimum(ONE_HIDDEN, seed);
  const eps = new Fraction(1n, 1000n);
  const M = new Fraction(10n ** 6n, 1n);
  const w = findSharpnessWitness(net, data, eps, M);
  if (!w) throw new RangeError(`Section 4.3 witness: every hidden activation is zero on the seeded data (seed ${seed})`);
  const c = certifySharpnessWitness(net, data, eps, M, w);
  // The paper's own construction: the constant-zero predictor is in the ε-ball around T_α θ.
  const p = constantPredictorPoint(net, eps);
  const paper = checkSharpnessClaim(applySymmetry(Q, net, { kind: 'layer-scale', alphas: p.alphas }), data, { kind: 'ball', epsilon: eps }, p.z);
  return {
    network: describeProblem(net, data, 'teacher minimum'),
    certified: c.holds && paper.feasible,
    rows: [
      ['ε, M', `${showExact(eps)}, 10^6`],
      ['α', alphasText(w.alphas)],
      [`δ: ±ε on θ_${w.index} (an output weight)`, `‖δ‖₂ = ε: in the ball ${yes(c.ball.feasible)}, in Keskar's box ${yes(c.box.feasible)}`],
      ['(L(T_α θ + δ) − L)/(1 + L), ball', `${showExact(c.ball.value)} ≥ M: ${yes(c.ball.value.compare(M) >= 0)}`],
      ["Keskar's box ×100", `${showExact(c.box.value)} ≥ 100·M: ${yes(c.box.value.compare(M.mul(Q.fromScalar(100))) >= 0)}`],
      ['outputs identical', yes(c.outputsIdentical)],
      ["the paper's bound: (0, θ₂/α) ∈ B₂(ε, T_α θ)", `α = ${alphasText(p.alphas)}, feasible ${yes(paper.feasible)}, sharpness ≥ ${showExact(paper.value)} (the constant predictor's loss)`],
    ],
  };
}

export function reparametrisation(seed: number): Witness {
  const { net, data } = minimum(ONE_HIDDEN, seed);
  const centre = flatten(net);
  const H = lossHessian(Q, net, data);
  const M = new Fraction(10n ** 6n, 1n);
  const delta = Q.one;
  // Sharp: r̂/ρ = 2^k, so the Hessian in η at θ̂ is (r̂/ρ)²·H; flat: ρ/r̂ = 2^k.
  const gamma = largestDiagonal(Q, H).value;
  let k = 0;
  while (gamma.mul(powerOfTwo(2 * k)).compare(M) < 0) k++;
  let j = 0;
  while (frobeniusSquared(Q, H).mul(powerOfTwo(-2 * j)).mul(M).mul(M).compare(Q.one) > 0) j++;
  const sharp = radial(Q, centre, powerOfTwo(-k - 1), new Fraction(1n, 2n), delta);
  const flat = radial(Q, centre, new Fraction(1n, 2n), powerOfTwo(-j - 1), delta);
  const at = (g: typeof sharp) => {
    const eta = g.toEta(centre);
    const Heta = hessianInEta(Q, g, eta, H);
    const same = sameOutputs(Q, net, unflatten(net, g.toTheta(eta)), data.inputs);
    return { Heta, same };
  };
  const s = at(sharp);
  const f = at(flat);
  const sharpHolds = largestDiagonal(Q, s.Heta).value.compare(M) >= 0;
  const flatHolds = frobeniusSquared(Q, f.Heta).mul(M).mul(M).compare(Q.one) <= 0;
  return {
    network: describeProblem(net, data, 'teacher minimum θ̂'),
    certified: sharpHolds && flatHolds && s.same && f.same,
    rows: [
      ['M', '10^6'],
      ['Appendix A radial map, sharp: r̂/ρ', showExact(sharp.innerFactor)],
      ['max diagonal of ∇²L_η(θ̂) = J_gᵀHJ_g ≥ M (so the spectral norm is)', `${showExact(largestDiagonal(Q, s.Heta).value)}: ${yes(sharpHolds)}`],
      ['flat: r̂/ρ', showExact(flat.innerFactor)],
      ['‖∇²L_η(θ̂)‖²_F ≤ 1/M²', `${showExact(frobeniusSquared(Q, f.Heta))}: ${yes(flatHolds)}`],
      ['f_{g(g⁻¹(θ̂))} = f_θ̂ (both maps)', yes(s.same && f.same)],
    ],
  };
}
