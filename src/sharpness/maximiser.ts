/**
 * ε-sharpness (THEORY.md §2) as a maximisation, with its argmax:
 *   ball:   max_{‖z‖₂ ≤ ε} (L(θ + z) − L(θ)) / (1 + L(θ))
 *   Keskar: 100 · max_{y ∈ C_ε} (L(θ + A y) − L(θ)) / (1 + L(θ)),
 *           C_ε = {y : |y_i| ≤ ε (|(A⁺θ)_i| + 1)}, A = I (full space) or a
 *           seeded n × p Gaussian matrix (random subspace).
 * Projected gradient ascent with restarts. A maximiser only finds a lower
 * bound: every reported value is L at a returned feasible point, which the
 * exact checker (check.ts) can re-evaluate in rationals.
 */
import { Rng } from '../field/random.js';
import { solve } from '../curvature/exact.js';
import { dot } from '../curvature/spectral.js';
import { float64Field } from '../field/float64.js';

/** L and ∇L at any θ: float64 analytic, or TensorFlow.js. */
export interface LossOracle {
  loss(theta: readonly number[]): number;
  gradient(theta: readonly number[]): number[];
}

export type SharpnessRegion =
  | { kind: 'ball'; epsilon: number }
  | { kind: 'box'; epsilon: number; /** n × p; absent for the full space. */ subspace?: number[][] }
  /** Any box |z_i| ≤ halfWidths_i, unscaled (adaptive sharpness: ρ|θ_i|, or ρ(|θ_i| + η) for ASAM). */
  | { kind: 'elementwise'; halfWidths: number[] };

export interface SharpnessResult {
  /** The lower bound: (L(θ + z) − L(θ))/(1 + L(θ)), times 100 for Keskar's box. */
  value: number;
  /** The perturbation achieving it (z = A y in a subspace). */
  z: number[];
  /** The subspace coordinates, box only. */
  y?: number[];
  restarts: number;
  gradientEvaluations: number;
}

export interface MaximiserOptions {
  restarts?: number;
  iterations?: number;
  seed?: number;
  /**
   * Extra starting directions in z-space (e.g. a top Hessian eigenvector: at
   * a minimum ∇L = 0, so plain ascent from z = 0 has nowhere to go). Each is
   * scaled onto the region's boundary and counts as one more restart.
   */
  startDirections?: number[][];
}


/** A seeded n × p Gaussian matrix (columns scaled by 1/√n), the random subspace of Keskar et al. */
export function randomSubspace(n: number, p: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: p }, () => rng.normal() / Math.sqrt(n)));
}

/** A⁺θ = (AᵀA)⁻¹Aᵀθ, for the box half-widths in the subspace. */
export function pseudoInverseApply(A: number[][], theta: readonly number[]): number[] {
  const p = A[0]!.length;
  const AtA = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => A.reduce((s, row) => s + row[i]! * row[j]!, 0)));
  const Atb = Array.from({ length: p }, (_, i) => A.reduce((s, row, r) => s + row[i]! * theta[r]!, 0));
  return solve(float64Field, AtA, Atb);
}

// Projections shrink by a few ulps so a returned point is feasible exactly, not just up to rounding.
const SAFETY = 1 - 2 ** -40;

export function maximiseSharpness(oracle: LossOracle, theta: readonly number[], region: SharpnessRegion, opts: MaximiserOptions = {}): SharpnessResult {
  const n = theta.length;
  const rng = new Rng(opts.seed ?? 0);
  const restarts = opts.restarts ?? 4;
  const iterations = opts.iterations ?? 30;
  const base = oracle.loss(theta);
  const scale = region.kind === 'box' ? 100 : 1;
  const A = region.kind === 'box' ? region.subspace : undefined;
  const p = A ? A[0]!.length : n;
  const toZ = (y: readonly number[]) => (A ? A.map((row) => dot(row, y)) : [...y]);
  const boxed = region.kind !== 'ball';
  const halfWidths =
    region.kind === 'box' ? (A ? pseudoInverseApply(A, theta) : [...theta]).map((c) => region.epsilon * (Math.abs(c) + 1) * SAFETY)
    : region.kind === 'elementwise' ? region.halfWidths.map((h) => h * SAFETY)
    : [];
  const project = (y: number[]): number[] => {
    if (boxed) return y.map((v, i) => Math.max(-halfWidths[i]!, Math.min(halfWidths[i]!, v)));
    const size = Math.sqrt(dot(y, y));
    const limit = (region as { epsilon: number }).epsilon * SAFETY;
    return size <= limit ? y : y.map((v) => (v * limit) / size);
  };
  const at = (y: readonly number[]) => {
    const z = toZ(y);
    return theta.map((t, i) => t + z[i]!);
  };
  const objective = (y: readonly number[]) => oracle.loss(at(y));
  let best = { value: 0, y: new Array<number>(p).fill(0) };
  let gradientEvaluations = 0;
  const directions = (opts.startDirections ?? []).map((d) => {
    if (A) throw new RangeError('startDirections: not supported in a random subspace');
    if (boxed) return project(d.map((x, i) => Math.sign(x) * halfWidths[i]!));
    const size = Math.sqrt(dot(d, d));
    return project(d.map((x) => (x * region.epsilon) / size));
  });
  for (let r = 0; r < restarts + directions.length; r++) {
    // Restart 0 starts at 0 (the first step follows the gradient); then the given directions; then random points.
    let y = r === 0 ? new Array<number>(p).fill(0) : r <= directions.length ? directions[r - 1]! : project(Array.from({ length: p }, (_, i) => (boxed ? halfWidths[i]! * (2 * rng.next() - 1) : rng.normal() * (region as { epsilon: number }).epsilon)));
    let step = boxed ? 1 : (region as { epsilon: number }).epsilon;
    let current = objective(y);
    for (let it = 0; it < iterations; it++) {
      const gz = oracle.gradient(at(y));
      gradientEvaluations++;
      const g = A ? A[0]!.map((_, j) => A.reduce((s, row, i) => s + row[j]! * gz[i]!, 0)) : gz;
      const size = Math.sqrt(dot(g, g));
      if (size === 0) break;
      // Box: a signed step of `step` half-widths (projected gradient ascent in ℓ∞); ball: a normalised step.
      const candidate = project(boxed ? y.map((v, i) => v + step * halfWidths[i]! * Math.sign(g[i]!)) : y.map((v, i) => v + (step * g[i]!) / size));
      const value = objective(candidate);
      if (value > current) {
        y = candidate;
        current = value;
      } else {
        step /= 2;
      }
    }
    if (current - base > best.value) best = { value: current - base, y };
  }
  const value = (scale * best.value) / (1 + base);
  return { value, z: toZ(best.y), ...(A ? { y: best.y } : {}), restarts: restarts + directions.length, gradientEvaluations };
}
