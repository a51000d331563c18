/**
 * The theorem sections of the proof report, as one data table: for each
 * result of Dinh et al. (2017) — Theorems 1–6, Section 4.3, Section 5 — its
 * statement (docs/theory.md §3–§4), its source, which property checks cover it
 * (matched on their `describe` titles), and a sample witness computed here on
 * a small seeded network and re-checked exactly by the certificate code the
 * properties use (rationals: no rounding, no tolerance).
 */
import { Fraction } from 'mathjs';
import { formatFraction, fractionToNumber, powerOfTwo, rationalField as Q } from '../field/rational.js';
import { datasetIn, networkIn, randomDataset, randomNetwork, type NetworkSpec } from '../network/index.js';
import { flatten, forward, loss, sameOutputs, shapeOf, unflatten, type Dataset, type Network } from '../network/index.js';
import { seededMinimum } from '../arbitraries/minima.js';
import { lossGradient, lossHessian } from '../autodiff/derivatives.js';
import { applySymmetry, describeSymmetry, symmetryMap, transformGradient, transformHessian, type Symmetry } from '../symmetry/index.js';
import {
  certifyGradientWitness, certifyHessianWitness, certifyManyEigenvalues, findFlatWitness, findGradientWitness, findHessianWitness, findManyEigenvaluesWitness,
  frobeniusSquared, largestDiagonal, matricesEqual, trace, traceAt, withinOfInfimum,
} from '../curvature/index.js';
import { certifySharpnessWitness, constantPredictorPoint, findSharpnessWitness } from '../sharpness/witness.js';
import { checkSharpnessClaim } from '../sharpness/check.js';
import { checkFlatVolumeCertificate, flatVolumeCertificate } from '../sharpness/volume.js';
import { hessianInEta, radial } from '../reparam/index.js';
import type { ProofSummary } from './prove.js';
import type { CaseCount } from './case-counts.js';

type Net = Network<Fraction>;
type Data = Dataset<Fraction> & { loss: 'mse' };

/** A witness as the report shows it: labelled values, and whether every exact re-check passed. */
export interface Witness {
  network: string;
  rows: [label: string, value: string][];
  certified: boolean;
}

export interface Coverage {
  /** properties/… file. */
  file: string;
  /** Matches the `describe` titles (ProofSummary claim statements) of that file that check this result. */
  describe: RegExp;
}

export interface TheoremEntry {
  id: string;
  title: string;
  statement: string;
  source: string;
  covers: Coverage[];
  witness?: (seed: number) => Witness;
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

function observationalEquivalence(seed: number): Witness {
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

function flatVolume(seed: number): Witness {
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

function transformationLaw(seed: number): Witness {
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

function unboundedSpectralNorm(seed: number): Witness {
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

function manyEigenvalues(seed: number): Witness {
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

function noLipschitzConstant(seed: number): Witness {
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

function madeFlat(seed: number): Witness {
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

function sharpness(seed: number): Witness {
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

function reparametrisation(seed: number): Witness {
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

// ---------------------------------------------------------------------------------------------
// The table

export const THEOREMS: TheoremEntry[] = [
  {
    id: 'theorem-1',
    title: 'Theorem 1 — non-negative homogeneity; observational equivalence',
    statement: 'φ_rect(αz) = α·φ_rect(z) for α ≥ 0, hence every layer-scale T_α (∏α_k = 1), neuron-scale and permutation S gives an observationally equivalent network: f_{Sθ}(x) = f_θ(x) for all x, and L(Sθ) = L(θ).',
    source: 'Dinh et al. (ICML 2017), §2, Theorem 1, Definition 5; Appendix B (biases); docs/theory.md §1',
    covers: [
      { file: 'properties/observational-equivalence.prop.ts', describe: /^Theorem 1/ },
      { file: 'properties/tensor-equivalence.prop.ts', describe: /^Theorem 1/ },
      { file: 'properties/negative-controls.prop.ts', describe: /^Negative control/ },
    ],
    witness: observationalEquivalence,
  },
  {
    id: 'theorem-2',
    title: 'Theorem 2 — the flat volume is infinite',
    statement: 'One hidden layer, θ a minimum with θ1, θ2 ≠ 0: for every ε > 0 the ε-flat region C(L, θ, ε) has infinite volume — it holds a box B and its images T_α^k(B), whose total volume exceeds any V.',
    source: 'Dinh et al. (ICML 2017), Theorem 2, Definition 1 (after Hochreiter & Schmidhuber 1997); docs/theory.md §3',
    covers: [
      { file: 'properties/flat-volume.prop.ts', describe: /^(Theorem 2|Interval bounds)/ },
    ],
    witness: flatVolume,
  },
  {
    id: 'theorem-3',
    title: 'Theorem 3 — the transformation law of the gradient and Hessian',
    statement: '∇L(T_α θ) = ∇L(θ)·D_α and ∇²L(T_α θ) = D_α ∇²L(θ) D_α; in general ∇L(Sθ) = S⁻ᵀ∇L(θ) and ∇²L(Sθ) = S⁻ᵀ∇²L(θ)S⁻¹ for every linear symmetry S, at every point.',
    source: 'Dinh et al. (ICML 2017), Theorem 3; docs/theory.md §1 and §3',
    covers: [{ file: 'properties/transformation-law.prop.ts', describe: /Theorem 3/ }],
    witness: transformationLaw,
  },
  {
    id: 'theorem-4',
    title: 'Theorem 4 — the Hessian spectral norm (and trace) is unbounded',
    statement: 'One hidden layer, θ a minimum with ∇²L(θ) ≠ 0: for every M > 0 there is α > 0 with |||∇²L(T_α θ)|||₂ ≥ M (and Tr ∇²L(T_α θ) ≥ M).',
    source: 'Dinh et al. (ICML 2017), Theorem 4; docs/theory.md §3',
    covers: [{ file: 'properties/unbounded-curvature.prop.ts', describe: /^(Theorem 4|Negative control for Theorems 4 and 6)/ }],
    witness: unboundedSpectralNorm,
  },
  {
    id: 'theorem-5',
    title: 'Theorem 5 — many eigenvalues can be made large at once',
    statement: 'K layers, θ a minimum, r = rank ∇²L(θ): for every M > 0 there is α with ∏α_k = 1 such that at least r − min_k n_k eigenvalues of ∇²L(T_α θ) exceed M.',
    source: 'Dinh et al. (ICML 2017), Theorem 5; docs/theory.md §3',
    covers: [{ file: 'properties/unbounded-curvature.prop.ts', describe: /^Theorem 5/ }],
    witness: manyEigenvalues,
  },
  {
    id: 'theorem-6',
    title: 'Theorem 6 — no Lipschitz constant',
    statement: 'One hidden layer, L not constant: ‖∇L(T_α θ)‖² = α⁻²‖∇_θ1 L‖² + α²‖∇_θ2 L‖² → ∞, so for every B there is α with ‖∇L(T_α θ)‖ ≥ B.',
    source: 'Dinh et al. (ICML 2017), Theorem 6; docs/theory.md §3',
    covers: [{ file: 'properties/unbounded-curvature.prop.ts', describe: /^(Theorem 6|Negative control for Theorems 4 and 6)/ }],
    witness: noLipschitzConstant,
  },
  {
    id: 'converse',
    title: 'Converse (flatcheck) — a minimum made as flat as its orbit allows',
    statement: 'One hidden layer: Tr ∇²L(T_α θ) = α⁻²A + α²B + C has infimum 2√(AB) + C over α > 0; for every η > 0 some α comes within η of it, certified without square roots.',
    source: 'docs/theory.md §3 (the converse of Theorem 4), flatcheck',
    covers: [{ file: 'properties/unbounded-curvature.prop.ts', describe: /^Converse/ }],
    witness: madeFlat,
  },
  {
    id: 'section-4-3',
    title: 'Section 4.3 — ε-sharpness',
    statement: 'The paper: with α = ε/‖θ1‖₂ the constant predictor (0, θ2/α) lies in B₂(ε, T_α θ), so ε-sharpness(T_α θ) ≥ (L(0, θ2/α) − L(θ))/(1 + L(θ)). flatcheck\'s strengthening: for every ε and M there are α and ‖δ‖₂ = ε (in the ball and in Keskar\'s box) with (L(T_α θ + δ) − L)/(1 + L) ≥ M.',
    source: 'Dinh et al. (ICML 2017), Section 4.3 (after Keskar et al. 2017, Definition 2); docs/theory.md §2–§3',
    covers: [{ file: 'properties/sharpness.prop.ts', describe: /./ }],
    witness: sharpness,
  },
  {
    id: 'section-5',
    title: 'Section 5 — reparametrisation (Appendices A, D; weight normalisation; input space)',
    statement: 'For θ = g(η) the function never changes and at a critical point ∇²L_η = J_gᵀ∇²L J_g: any minimum can be made as sharp (≥ M) or as flat (≤ 1/M) as wanted by a change of coordinates; so can weight-normalised coordinates and input-space measures.',
    source: 'Dinh et al. (ICML 2017), Section 5, 5.1, 5.2, Figure 5, Appendices A and D; docs/theory.md §4',
    covers: [{ file: 'properties/reparametrisation.prop.ts', describe: /./ }],
    witness: reparametrisation,
  },
  {
    id: 'section-5-table',
    title: 'Beyond the paper — the conformance table of known answers',
    statement: 'For every registered flatness metric, per symmetry family: invariant, not invariant, or unbounded — reproducing the table of docs/theory.md §5 (see the conformance matrix below for every metric of the registry).',
    source: 'docs/theory.md §5 (Dinh et al. 2017 for the curvature rows; Neyshabur et al. 2015; Kwon et al. 2021; Liang et al. 2019; Petzka et al. 2021)',
    covers: [
      { file: 'properties/conformance.prop.ts', describe: /./ },
      { file: 'properties/conformance-sampled.prop.ts', describe: /./ },
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// Sections from the table and the suite's results

export interface TheoremCheck {
  file: string;
  statement: string;
  title: string;
  status: string;
  /** fast-check cases run (and discarded by preconditions), when the check ran properties. */
  cases?: CaseCount;
}

export interface TheoremSection {
  id: string;
  title: string;
  statement: string;
  source: string;
  seed: number;
  checks: TheoremCheck[];
  passed: number;
  failed: number;
  cases: number;
  witness?: Witness;
  /** A witness that could not be computed: a failure, reported. */
  witnessError?: string;
  ok: boolean;
}

export function theoremSections(summary: ProofSummary, table: readonly TheoremEntry[] = THEOREMS): TheoremSection[] {
  return table.map((entry) => {
    const checks: TheoremCheck[] = [];
    for (const { file, describe } of entry.covers) {
      for (const f of summary.files.filter((f) => f.file === file)) {
        for (const claim of f.claims.filter((c) => describe.test(c.statement))) {
          for (const k of claim.checks) checks.push({ file, statement: claim.statement, title: k.title, status: k.status, ...(k.cases ? { cases: k.cases } : {}) });
        }
      }
    }
    let witness: Witness | undefined;
    let witnessError: string | undefined;
    if (entry.witness) {
      try {
        witness = entry.witness(summary.seed);
      } catch (e) {
        witnessError = (e as Error).message;
      }
    }
    const failed = checks.filter((c) => c.status === 'failed').length;
    return {
      id: entry.id,
      title: entry.title,
      statement: entry.statement,
      source: entry.source,
      seed: summary.seed,
      checks,
      passed: checks.filter((c) => c.status === 'passed').length,
      failed,
      cases: checks.reduce((n, c) => n + (c.cases?.runs ?? 0), 0),
      ...(witness ? { witness } : {}),
      ...(witnessError ? { witnessError } : {}),
      // No covering check at all is a failure too: the table and the suite have drifted apart.
      ok: failed === 0 && checks.length > 0 && witnessError === undefined && (witness?.certified ?? true),
    };
  });
}

const escape = (s: string) => s.replace(/\|/g, '\\|');

/** "400 (+3 discarded)"; a negative control's count is the runs until its (intended) counterexample. */
export function casesText(c: CaseCount | undefined): string {
  if (!c) return '—';
  const discarded = c.skips ? ` (+${c.skips} discarded)` : '';
  return c.counterexamples ? `${c.runs}${discarded}, until the counterexample` : `${c.runs}${discarded}`;
}

export function theoremMarkdown(s: TheoremSection, runScale: number): string {
  const out = [
    `### ${s.title}`,
    '',
    `> ${s.statement}`,
    '',
    `*Source:* ${s.source}`,
    '',
    `*Checked:* ${s.checks.length} checks (${s.passed} passed, ${s.failed} failed), ${s.cases} fast-check cases at ${runScale}× the default counts, seed \`${s.seed}\`.${s.ok ? ' ✅' : ' ❌'}`,
    '',
  ];
  if (s.checks.length === 0) out.push('**No property check covers this result: the report table and the suite disagree.**', '');
  else {
    out.push('| property file › statement › check | cases | result |', '|---|---|---|');
    for (const c of s.checks) {
      const cases = casesText(c.cases);
      out.push(`| \`${c.file}\` › ${escape(c.statement)} › ${escape(c.title)} | ${cases} | ${c.status === 'passed' ? '✅ passed' : `❌ ${c.status}`} |`);
    }
    out.push('');
  }
  if (s.witness) {
    out.push(`**Sample witness** (seed \`${s.seed}\`, ${s.witness.network}), re-checked exactly in rationals: ${s.witness.certified ? 'certified ✅' : '**NOT certified ❌**'}`, '', '| | |', '|---|---|');
    for (const [label, value] of s.witness.rows) out.push(`| ${escape(label)} | ${escape(value)} |`);
    out.push('');
  }
  if (s.witnessError) out.push(`**The sample witness failed:** ${s.witnessError}`, '');
  return out.join('\n');
}
