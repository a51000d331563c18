/**
 * ε-sharpness (THEORY.md §2) as a maximisation, with its argmax:
 *   ball:   max_{‖z‖₂ ≤ ε} (L(θ + z) − L(θ)) / (1 + L(θ))
 *   Keskar: 100 · max_{y ∈ C_ε} (L(θ + A y) − L(θ)) / (1 + L(θ)),
 *           C_ε = {y : |y_i| ≤ ε (|(A⁺θ)_i| + 1)}, A = I (full space) or a
 *           seeded n × p Gaussian matrix (random subspace).
 * Two maximisers from the same seeded starts: projected gradient ascent, and
 * a projected limited-memory quasi-Newton method (Keskar's L-BFGS-B, in
 * spirit). A maximiser only finds a lower bound: every reported value is L at a returned feasible point, which the
 * exact checker (check.ts) can re-evaluate in rationals.
 */
import { Rng } from '../field/random.js';
import { solve } from '../linalg/exact.js';
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

/**
 * The maximisation problem in y (z = A y, or z = y in the full space): the
 * feasible set's projection, the objective L(θ + A y), its gradient in y, and
 * the starting points every method shares (0, the given directions, then
 * seeded random points), so two methods are compared from the same starts.
 */
interface RegionProblem {
  dimension: number;
  base: number;
  scale: number;
  boxed: boolean;
  halfWidths: number[];
  /** The region's size: ε for the ball (boxes use halfWidths). */
  radius: number;
  project(y: number[]): number[];
  toZ(y: readonly number[]): number[];
  objective(y: readonly number[]): number;
  gradient(y: readonly number[]): number[];
  starts: number[][];
  result(best: { value: number; y: number[] }, gradientEvaluations: number): SharpnessResult;
}

function regionProblem(oracle: LossOracle, theta: readonly number[], region: SharpnessRegion, opts: MaximiserOptions): RegionProblem {
  const n = theta.length;
  const rng = new Rng(opts.seed ?? 0);
  const restarts = opts.restarts ?? 4;
  const base = oracle.loss(theta);
  const scale = region.kind === 'box' ? 100 : 1;
  const A = region.kind === 'box' ? region.subspace : undefined;
  const p = A ? A[0]!.length : n;
  const toZ = (y: readonly number[]) => (A ? A.map((row) => dot(row, y)) : [...y]);
  const boxed = region.kind !== 'ball';
  const radius = region.kind === 'ball' ? region.epsilon : 0;
  const halfWidths =
    region.kind === 'box' ? (A ? pseudoInverseApply(A, theta) : [...theta]).map((c) => region.epsilon * (Math.abs(c) + 1) * SAFETY)
    : region.kind === 'elementwise' ? region.halfWidths.map((h) => h * SAFETY)
    : [];
  const project = (y: number[]): number[] => {
    if (boxed) return y.map((v, i) => Math.max(-halfWidths[i]!, Math.min(halfWidths[i]!, v)));
    const size = Math.sqrt(dot(y, y));
    const limit = radius * SAFETY;
    return size <= limit ? y : y.map((v) => (v * limit) / size);
  };
  const at = (y: readonly number[]) => {
    const z = toZ(y);
    return theta.map((t, i) => t + z[i]!);
  };
  const gradient = (y: readonly number[]) => {
    const gz = oracle.gradient(at(y));
    return A ? A[0]!.map((_, j) => A.reduce((s, row, i) => s + row[j]! * gz[i]!, 0)) : gz;
  };
  const directions = (opts.startDirections ?? []).map((d) => {
    if (A) throw new RangeError('startDirections: not supported in a random subspace');
    if (boxed) return project(d.map((x, i) => Math.sign(x) * halfWidths[i]!));
    const size = Math.sqrt(dot(d, d));
    return project(d.map((x) => (x * radius) / size));
  });
  const randomStarts = Array.from({ length: Math.max(0, restarts - 1) }, () =>
    project(Array.from({ length: p }, (_, i) => (boxed ? halfWidths[i]! * (2 * rng.next() - 1) : rng.normal() * radius))),
  );
  // Start 0 is 0 (the first step follows the gradient); then the given directions; then random points.
  const starts = restarts > 0 ? [new Array<number>(p).fill(0), ...directions, ...randomStarts] : directions;
  return {
    dimension: p, base, scale, boxed, halfWidths, radius, project, toZ, gradient, starts,
    objective: (y) => oracle.loss(at(y)),
    result: (best, gradientEvaluations) => ({
      value: (scale * best.value) / (1 + base),
      z: toZ(best.y),
      ...(A ? { y: best.y } : {}),
      restarts: starts.length,
      gradientEvaluations,
    }),
  };
}

/** Projected gradient ascent (a signed ℓ∞ step in boxes, a normalised step in the ball), step halved on failure. */
export function maximiseSharpness(oracle: LossOracle, theta: readonly number[], region: SharpnessRegion, opts: MaximiserOptions = {}): SharpnessResult {
  const problem = regionProblem(oracle, theta, region, opts);
  const { project, objective, boxed, halfWidths, base } = problem;
  const iterations = opts.iterations ?? 30;
  let best = { value: 0, y: new Array<number>(problem.dimension).fill(0) };
  let gradientEvaluations = 0;
  for (const start of problem.starts) {
    let y = start;
    let step = boxed ? 1 : problem.radius;
    let current = objective(y);
    for (let it = 0; it < iterations; it++) {
      const g = problem.gradient(y);
      gradientEvaluations++;
      const size = Math.sqrt(dot(g, g));
      if (size === 0) break;
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
  return problem.result(best, gradientEvaluations);
}

/**
 * A projected limited-memory quasi-Newton maximiser in the spirit of
 * L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995), the method of Keskar et al.
 * (10 iterations): it minimises −L over the region. The direction is the
 * two-loop L-BFGS product on the free variables (those not held at a bound by
 * the gradient); a pair (s, y) is kept only when sᵀy > 0, as L-BFGS-B does,
 * so near a minimum of L (where −L is concave) the steps are projected
 * gradient steps. Without curvature pairs the trial step reaches the
 * region's boundary (where a concave model's minimum along the projected
 * path lies); Armijo backtracking halves it. A lower bound, like the other.
 */
export function maximiseSharpnessQuasiNewton(oracle: LossOracle, theta: readonly number[], region: SharpnessRegion, opts: MaximiserOptions & { memory?: number } = {}): SharpnessResult {
  const problem = regionProblem(oracle, theta, region, opts);
  const { project, boxed, halfWidths, base } = problem;
  const iterations = opts.iterations ?? 10;
  const memory = opts.memory ?? 5;
  const negLoss = (y: readonly number[]) => -problem.objective(y);
  let best = { value: 0, y: new Array<number>(problem.dimension).fill(0) };
  let gradientEvaluations = 0;
  for (const start of problem.starts) {
    let y = start;
    let f = negLoss(y);
    let g = problem.gradient(y).map((v) => -v);
    gradientEvaluations++;
    const pairs: { s: number[]; d: number[]; rho: number }[] = [];
    for (let it = 0; it < iterations; it++) {
      // A variable at a bound whose descent direction points outwards stays there.
      const free = y.map((v, i) => !boxed || !((v >= halfWidths[i]! * (1 - 1e-12) && g[i]! < 0) || (v <= -halfWidths[i]! * (1 - 1e-12) && g[i]! > 0)));
      const q = g.map((v, i) => (free[i] ? v : 0));
      const alphas: number[] = [];
      for (let k = pairs.length - 1; k >= 0; k--) {
        const a = pairs[k]!.rho * dot(pairs[k]!.s, q);
        alphas[k] = a;
        pairs[k]!.d.forEach((v, i) => (q[i] = q[i]! - a * v));
      }
      const last = pairs[pairs.length - 1];
      const gamma = last ? dot(last.s, last.d) / dot(last.d, last.d) : 1;
      const r = q.map((v) => gamma * v);
      for (let k = 0; k < pairs.length; k++) {
        const b = pairs[k]!.rho * dot(pairs[k]!.d, r);
        pairs[k]!.s.forEach((v, i) => (r[i] = r[i]! + (alphas[k]! - b) * v));
      }
      let direction = r.map((v, i) => (free[i] ? -v : 0));
      if (dot(direction, g) >= 0) {
        pairs.length = 0; // not a descent direction: forget the curvature and take the projected gradient
        direction = g.map((v, i) => (free[i] ? -v : 0));
      }
      const size = Math.sqrt(dot(direction, direction));
      if (size === 0) break;
      // With curvature pairs the natural step is 1; without, reach the region's boundary.
      let t = pairs.length > 0 ? 1 : boxed ? Math.max(...direction.map((d, i) => (d === 0 ? 0 : (2 * halfWidths[i]!) / Math.abs(d)))) : (2 * problem.radius) / size;
      let accepted: { y: number[]; f: number } | undefined;
      for (let halvings = 0; halvings < 30 && !accepted; halvings++, t /= 2) {
        const candidate = project(y.map((v, i) => v + t * direction[i]!));
        const value = negLoss(candidate);
        if (value < f + 1e-4 * dot(g, candidate.map((v, i) => v - y[i]!))) accepted = { y: candidate, f: value };
      }
      if (!accepted) break;
      const gNext = problem.gradient(accepted.y).map((v) => -v);
      gradientEvaluations++;
      const s = accepted.y.map((v, i) => v - y[i]!);
      const d = gNext.map((v, i) => v - g[i]!);
      const sd = dot(s, d);
      if (sd > 1e-10 * Math.sqrt(dot(s, s) * dot(d, d))) {
        pairs.push({ s, d, rho: 1 / sd });
        if (pairs.length > memory) pairs.shift();
      }
      y = accepted.y;
      f = accepted.f;
      g = gNext;
    }
    if (-f - base > best.value) best = { value: -f - base, y };
  }
  return problem.result(best, gradientEvaluations);
}
