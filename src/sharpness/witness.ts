/**
 * ε-sharpness is unbounded along the layer-scale orbit (THEORY.md §3, Section
 * 4.3 strengthened). At T_α θ with α_1 = 2^t, α_K = 2^-t, the last hidden
 * layer's activations are 2^t times θ's, so moving one output weight
 * W_K[o][j] by δ = ±ε (‖δ‖₂ = ε: in the ball, and in Keskar's box, whose
 * half-widths ε(|θ_i| + 1) are ≥ ε) changes output o by ±ε·2^t·a_j(x).
 * With the sign of Σ_s r_so a_j(x_s), the loss rises by at least
 * ε²·4^t·Σ_s a_j(x_s)² / (N·O): unbounded in t whenever a_j ≠ 0 on the data.
 *
 * Also the paper's own bound (no biases, one hidden layer): at any α with
 * α‖θ1‖₂ ≤ ε, the point (0, θ2/α) — the constant-zero predictor — is in the
 * ball around T_α θ.
 */
import { Fraction } from 'fraction.js';
import { powerOfTwo, rationalField as Q } from '../field/rational.js';
import type { Scalar } from '../field/field.js';
import { forward, layerActivations, sameOutputs } from '../network/forward.js';
import { flatten, parameterOffsets } from '../network/flat.js';
import { shapeOf, type Dataset, type Network } from '../network/types.js';
import { applySymmetry } from '../symmetry/index.js';
import { twoLayerScale } from '../curvature/witness.js';
import { checkSharpnessClaim, type CheckedClaim } from './check.js';

type Net = Network<Fraction>;
type Data = Dataset<Fraction> & { loss: 'mse' };

export interface SharpnessWitness {
  alphas: Fraction[];
  /** The full perturbation of T_α θ (one non-zero entry, ±ε). */
  delta: Fraction[];
  index: number;
}

/**
 * α and δ with (L(T_α θ + δ) − L(T_α θ))/(1 + L) ≥ M, δ feasible for the ball
 * (and so for Keskar's box); undefined when every last-hidden activation is
 * zero on the data.
 */
export function findSharpnessWitness(net: Net, data: Data, epsilon: Scalar, M: Fraction): SharpnessWitness | undefined {
  const eps = Q.fromScalar(epsilon);
  const shape = shapeOf(net);
  const K = shape.sizes.length;
  if (K < 2) return undefined;
  const hidden = data.inputs.map((x) => layerActivations(Q, net, x)[K - 1]!);
  const outputs = forward(Q, net, data.inputs);
  const N = data.inputs.length;
  const O = shape.sizes[K - 1]!;
  const hiddenWidth = shape.sizes[K - 2]!;
  let best: { j: number; o: number; A: Fraction; B: Fraction; sign: Fraction } | undefined;
  for (let j = 0; j < hiddenWidth; j++) {
    const a = hidden.map((h) => h[j]!);
    const A = a.reduce((s, x) => s.add(x.mul(x)), Q.zero).mul(eps).mul(eps).div(Q.fromScalar(N * O));
    if (A.n === 0n) continue;
    for (let o = 0; o < O; o++) {
      const correlation = a.reduce((s, x, i) => s.add(x.mul(outputs[i]![o]!.sub(data.targets[i]![o]!))), Q.zero);
      const B = correlation.abs().mul(eps).mul(Q.fromScalar(2)).div(Q.fromScalar(N * O));
      if (!best || A.compare(best.A) > 0) best = { j, o, A, B, sign: correlation.s < 0n ? Q.neg(Q.one) : Q.one };
    }
  }
  if (!best) return undefined;
  const L = outputs.reduce((s, row, i) => row.reduce((t, f, o) => t.add(f.sub(data.targets[i]![o]!).pow(2)), s), Q.zero).div(Q.fromScalar(N * O));
  const target = M.mul(Q.one.add(L));
  // Increase at t: A·4^t + B·2^t (the exact change for a last-layer move, with the chosen sign).
  let t = 0;
  while (best.A.mul(powerOfTwo(2 * t)).add(best.B.mul(powerOfTwo(t))).compare(target) < 0) t++;
  const { weightOffset, fanIn } = parameterOffsets(shape);
  const index = weightOffset[K - 1]! + best.o * fanIn[K - 1]! + best.j;
  const delta = flatten(net).map((_, i) => (i === index ? eps.mul(best!.sign) : Q.zero));
  return { alphas: twoLayerScale(K, K - 1, 0, t), delta, index };
}

export interface SharpnessCertificate {
  outputsIdentical: boolean;
  ball: CheckedClaim;
  box: CheckedClaim;
  /** Both feasible and both values ≥ M (the box's value is ×100, so ≥ 100·M). */
  holds: boolean;
}

/** Recomputes everything at T_α θ in rationals: equivalence, feasibility in the ball and in Keskar's box, the exact increase. */
export function certifySharpnessWitness(net: Net, data: Data, epsilon: Scalar, M: Fraction, w: SharpnessWitness): SharpnessCertificate {
  const moved = applySymmetry(Q, net, { kind: 'layer-scale', alphas: w.alphas });
  const outputsIdentical = sameOutputs(Q, net, moved, data.inputs);
  const ball = checkSharpnessClaim(moved, data, { kind: 'ball', epsilon }, w.delta);
  const box = checkSharpnessClaim(moved, data, { kind: 'box', epsilon }, w.delta);
  const holds = outputsIdentical && ball.feasible && box.feasible && ball.value.compare(M) >= 0 && box.value.compare(M.mul(Q.fromScalar(100))) >= 0;
  return { outputsIdentical, ball, box, holds };
}

/**
 * The paper's Section 4.3 construction (one hidden layer, no biases): the
 * largest α = 2^k with α²‖θ1‖₂² ≤ ε², and z = (−αθ1, 0), so T_α θ + z is
 * (0, θ2/α), the constant-zero predictor. Returns α and z.
 */
export function constantPredictorPoint(net: Net, epsilon: Scalar): { alphas: Fraction[]; z: Fraction[] } {
  const eps = Q.fromScalar(epsilon);
  const first = net.layers[0]!.weights.flat();
  const normSquared = first.reduce((s, x) => s.add(x.mul(x)), Q.zero);
  if (normSquared.n === 0n) throw new RangeError('θ1 = 0: the construction needs a non-zero first layer');
  let k = Math.floor(Math.log2(eps.valueOf() / Math.sqrt(normSquared.valueOf()))) + 1;
  while (powerOfTwo(2 * k).mul(normSquared).compare(eps.mul(eps)) > 0) k--;
  const alpha = powerOfTwo(k);
  const alphas = [alpha, alpha.inverse()];
  const moved = applySymmetry(Q, net, { kind: 'layer-scale', alphas });
  const z = flatten(moved).map((x, i) => (i < first.length ? x.neg() : Q.zero));
  return { alphas, z };
}
