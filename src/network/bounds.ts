/**
 * Rounding-error bounds for the float forward pass, so that float checks
 * compare against a derived bound and never a bare epsilon.
 *
 * Let B_0 = |x| and B_k = λ_k (|W_k| B_{k−1} + |b_k|), with λ_k the Lipschitz
 * constant of the activation (max(1, |slope|) for leaky-relu, 1 otherwise).
 * Every activation here satisfies |φ(z)| ≤ λ|z| and |φ(z) − φ(z')| ≤ λ|z − z'|,
 * except softplus, for which |φ(z)| ≤ |z| + log 2 (added to B_k).
 * A computed inner product of length n plus a bias has error
 * ≤ γ_{n+1} (|W||a| + |b|), γ_m = m·u/(1 − m·u) (Higham, Accuracy and
 * Stability, §3.1). With every weight perturbed by at most a relative ρ (from
 * applying a symmetry in floats, or a conversion to float32), induction over
 * the layers gives |f̂(x) − f(x)| ≤ R(1 + R)·B_K with
 * R = ρ_in + Σ_k (γ_{n_k + 1} + ρ + c_k·u), c_k covering the activation's own
 * rounding (1 for the leaky-relu product, 4 for tanh/softplus, 0 otherwise).
 * B_K is invariant under every positive scaling and permutation, so the same
 * bound serves θ and Sθ. The generators keep values away from subnormals,
 * where no relative bound holds.
 */
import { FLOAT64_UNIT_ROUNDOFF } from '../field/float64.js';
import type { Network } from './types.js';

export function gamma(m: number, u: number): number {
  if (m * u >= 0.5) throw new RangeError(`error bound: m·u = ${m * u} is too large for a first-order bound`);
  return (m * u) / (1 - m * u);
}

function lipschitz(layer: Network<number>['layers'][number]): number {
  return layer.activation === 'leaky-relu' ? Math.max(1, Math.abs(layer.slope ?? 0)) : 1;
}

/** B_K for one input: the network with absolute weights on |x| (see the file comment). */
export function absoluteBound(net: Network<number>, x: readonly number[]): number[] {
  let b: number[] = x.map(Math.abs);
  for (const layer of net.layers) {
    const lam = lipschitz(layer);
    b = layer.weights.map((row, i) => {
      let z = layer.bias ? Math.abs(layer.bias[i]!) : 0;
      for (let j = 0; j < row.length; j++) z += Math.abs(row[j]!) * b[j]!;
      return lam * z + (layer.activation === 'softplus' ? Math.LN2 : 0);
    });
  }
  return b;
}

export interface BoundOptions {
  /** Unit round-off of the arithmetic the forward pass ran in. */
  u: number;
  /** Relative perturbation of every weight and bias (e.g. from a symmetry applied in floats). */
  weightPerturbation?: number;
  /** Relative perturbation of the inputs (e.g. conversion to float32). */
  inputPerturbation?: number;
}

/** The relative factor R(1 + R) of the file comment, with the evaluation of B_K itself in float64 covered. */
export function forwardRelativeBound(net: Network<number>, opts: BoundOptions): number {
  const rho = opts.weightPerturbation ?? 0;
  let r = opts.inputPerturbation ?? 0;
  let fanIn = net.inputSize;
  let boundOps = 0;
  for (const layer of net.layers) {
    const activationRounding = layer.activation === 'leaky-relu' ? 1 : layer.activation === 'tanh' || layer.activation === 'softplus' ? 4 : 0;
    r += gamma(fanIn + 1, opts.u) + rho + activationRounding * opts.u;
    boundOps += fanIn + 3;
    fanIn = layer.weights.length;
  }
  // B_K is itself computed in float64: cover its rounding so the bound is an upper bound.
  return r * (1 + r) * (1 + gamma(boundOps, FLOAT64_UNIT_ROUNDOFF));
}

/** Per-output bound on |f̂(x) − f(x)| for each input row. */
export function forwardErrorBound(net: Network<number>, inputs: readonly (readonly number[])[], opts: BoundOptions): number[][] {
  const rel = forwardRelativeBound(net, opts);
  return inputs.map((x) => absoluteBound(net, x).map((b) => rel * b));
}

/**
 * Bound on |L̂ − L̂'| for two computed mse losses whose computed outputs differ
 * by at most `outputGap` entrywise: the exact change mean(2|r|D + D²) plus the
 * rounding of both loss evaluations, γ_{m+3}·mean((|r| + D)²) each, where m is
 * the number of terms.
 */
export function mseLossGapBound(outputs: readonly (readonly number[])[], targets: readonly (readonly number[])[], outputGap: readonly (readonly number[])[], u: number): number {
  let change = 0;
  let magnitude = 0;
  let m = 0;
  outputs.forEach((row, s) =>
    row.forEach((value, o) => {
      const r = Math.abs(value - targets[s]![o]!);
      const d = outputGap[s]![o]!;
      change += 2 * r * d + d * d;
      magnitude += (r + d) ** 2;
      m++;
    }),
  );
  const rounding = 2 * gamma(m + 3, u) * magnitude;
  return ((change + rounding) / m) * (1 + gamma(4 * m, FLOAT64_UNIT_ROUNDOFF));
}
