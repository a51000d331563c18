/**
 * Float64 curvature from a dense Hessian or from Hessian-vector products
 * only: eigenvalues (Householder + implicit QL), power iteration, Lanczos with full
 * reorthogonalisation, Hutchinson and Hutch++ trace estimates with standard
 * errors, Frobenius norm, per-block quantities and the scaled T·H·T.
 */
import { Rng } from '../field/random.js';
import { assertDenseFits } from '../linalg/dense.js';

export type Hvp = (v: number[]) => number[];

export const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: readonly number[]) => Math.sqrt(dot(a, a));

export function denseHvp(H: readonly (readonly number[])[]): Hvp {
  return (v) => H.map((row) => dot(row, v));
}

/**
 * All eigenvalues of a symmetric matrix, descending: Householder reduction to
 * tridiagonal form, then the implicit QL algorithm (Wilkinson shifts), as in
 * EISPACK's tred1/tql1. Backward stable like Jacobi, and O(n³) with a small
 * constant: 0.2 s for n = 403 where cyclic Jacobi took 30 s (measured).
 */
export function symmetricEigenvalues(H: readonly (readonly number[])[]): number[] {
  const n = H.length;
  if (n === 0) return [];
  assertDenseFits(n, 8, 'eigendecomposition');
  // Scaled by a power of two (exact) so that the largest entry is near 1: squares in the
  // reflections neither overflow (entries near 1e200 made QL fail) nor underflow.
  let largest = 0;
  for (const row of H) for (const x of row) largest = Math.max(largest, Math.abs(x));
  if (!Number.isFinite(largest)) throw new RangeError(`symmetricEigenvalues: the matrix has a non-finite entry (${largest})`);
  if (largest === 0) return new Array<number>(n).fill(0);
  const exponent = Math.max(-1000, Math.min(1000, Math.round(Math.log2(largest))));
  const scale = (x: number) => x * 2 ** -exponent;
  const a = H.map((row) => Float64Array.from(row, scale));
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // Householder: row i is reflected onto its subdiagonal entry, using the lower triangle only.
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    const ai = a[i]!;
    let scale = 0;
    for (let k = 0; k <= l; k++) scale += Math.abs(ai[k]!);
    if (l === 0 || scale === 0) {
      e[i] = ai[l]!;
      continue;
    }
    let h = 0;
    for (let k = 0; k <= l; k++) {
      ai[k] = ai[k]! / scale;
      h += ai[k]! * ai[k]!;
    }
    const f = ai[l]!;
    const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
    e[i] = scale * g;
    h -= f * g;
    ai[l] = f - g;
    let fSum = 0;
    for (let j = 0; j <= l; j++) {
      let gj = 0;
      for (let k = 0; k <= j; k++) gj += a[j]![k]! * ai[k]!;
      for (let k = j + 1; k <= l; k++) gj += a[k]![j]! * ai[k]!;
      e[j] = gj / h;
      fSum += e[j]! * ai[j]!;
    }
    const hh = fSum / (h + h);
    for (let j = 0; j <= l; j++) {
      const fj = ai[j]!;
      const gj = (e[j] = e[j]! - hh * fj);
      const aj = a[j]!;
      for (let k = 0; k <= j; k++) aj[k] = aj[k]! - (fj * e[k]! + gj * ai[k]!);
    }
  }
  for (let i = 0; i < n; i++) d[i] = a[i]![i]!;
  // Implicit QL on the tridiagonal (d, e), e shifted so e[i] couples d[i] and d[i + 1].
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  // An off-diagonal entry is negligible below u·(|d_m| + |d_m+1|) or u·‖T‖, as in EISPACK's tql1: clusters
  // far below ‖T‖ (dead units, layers scaled by 2^-t) carry rounding of order u‖T‖ from the rotations and
  // cannot meet a purely relative test (measured: no convergence on a trained 4-16-16-3 Hessian).
  // Dropping u‖T‖ is within the backward error of the Householder step anyway.
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]!) + Math.abs(e[i]!) + (i > 0 ? Math.abs(e[i - 1]!) : 0));
  const negligible = (m: number) => Math.abs(e[m]!) <= Number.EPSILON * Math.max(Math.abs(d[m]!) + Math.abs(d[m + 1]!), norm);
  const tridiagonal = { d: Float64Array.from(d), e: Float64Array.from(e) };
  for (let l = 0; l < n; l++) {
    for (let iteration = 0; ; iteration++) {
      let m = l;
      while (m < n - 1 && !negligible(m)) m++;
      if (m === l) break;
      // QL has not been seen to stall since the scaling above; if it does, bisection cannot.
      if (iteration >= 60) return Array.from(tridiagonalEigenvaluesByBisection(tridiagonal.d, tridiagonal.e), (x) => x * 2 ** exponent).sort((x, y) => y - x);
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        e[i + 1] = r = Math.hypot(f, g);
        if (r === 0) {
          d[i + 1] = d[i + 1]! - p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (r === 0 && i >= l) continue;
      d[l] = d[l]! - p;
      e[l] = g;
      e[m] = 0;
    }
  }
  return Array.from(d, (x) => x * 2 ** exponent).sort((x, y) => y - x);
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix (d, e) (e[i] couples d[i]
 * and d[i+1]) by Sturm-sequence bisection: slow (n² · 64 steps) but it always
 * converges, to the width of the floating-point grid.
 */
export function tridiagonalEigenvaluesByBisection(d: Float64Array, e: Float64Array): number[] {
  const n = d.length;
  let radius = 0;
  for (let i = 0; i < n; i++) radius = Math.max(radius, Math.abs(d[i]!) + Math.abs(e[i] ?? 0) + (i > 0 ? Math.abs(e[i - 1]!) : 0));
  // The number of eigenvalues below x: the negative pivots of T − xI (LDLᵀ, a zero pivot nudged).
  const below = (x: number) => {
    let count = 0;
    let q = 1;
    for (let i = 0; i < n; i++) {
      q = d[i]! - x - (i > 0 ? (e[i - 1]! * e[i - 1]!) / q : 0);
      if (q === 0) q = Number.EPSILON * (radius || 1);
      if (q < 0) count++;
    }
    return count;
  };
  return Array.from({ length: n }, (_, k) => {
    let lo = -radius - 1;
    let hi = radius + 1;
    for (let step = 0; step < 2100 && lo < hi; step++) {
      const mid = lo + (hi - lo) / 2;
      if (mid === lo || mid === hi) break;
      if (below(mid) > k) hi = mid;
      else lo = mid;
    }
    return lo + (hi - lo) / 2;
  });
}

/** |||H|||₂ = max |λ| of a symmetric matrix. */
export function spectralNorm(H: readonly (readonly number[])[]): number {
  const ev = symmetricEigenvalues(H);
  return ev.length === 0 ? 0 : Math.max(Math.abs(ev[0]!), Math.abs(ev[ev.length - 1]!));
}

export function frobeniusNorm(H: readonly (readonly number[])[]): number {
  return Math.sqrt(H.reduce((s, row) => s + dot(row, row), 0));
}

export function denseTrace(H: readonly (readonly number[])[]): number {
  return H.reduce((s, row, i) => s + row[i]!, 0);
}

function randomUnit(n: number, rng: Rng): number[] {
  const v = Array.from({ length: n }, () => rng.normal());
  const s = norm(v);
  return v.map((x) => x / s);
}

export interface IterativeResult {
  /** The eigenvalue of largest magnitude (power) or the top-k Ritz values (Lanczos), descending by |λ|. */
  values: number[];
  matvecs: number;
  /** Lanczos only: the Ritz value of largest magnitude after each step (for convergence studies). */
  history?: number[];
  /** Power iteration only: the final unit vector (an approximate top eigenvector). */
  vector?: number[];
}

/** Power iteration for the eigenvalue of largest magnitude: the simple reference. */
export function powerIteration(hvp: Hvp, n: number, opts: { seed?: number; start?: readonly number[]; maxIterations?: number; tolerance?: number } = {}): IterativeResult {
  // A given start (e.g. all ones, which every permutation fixes) makes the result equivariant; otherwise a seeded random one.
  let v = opts.start ? opts.start.map((x) => x / norm(opts.start!)) : randomUnit(n, new Rng(opts.seed ?? 0));
  let lambda = 0;
  let matvecs = 0;
  for (let i = 0; i < (opts.maxIterations ?? 1000); i++) {
    const w = hvp(v);
    matvecs++;
    const next = dot(v, w);
    const size = norm(w);
    if (size === 0) return { values: [0], matvecs, vector: v };
    v = w.map((x) => x / size);
    if (Math.abs(next - lambda) <= (opts.tolerance ?? 1e-12) * Math.abs(next)) {
      lambda = next;
      break;
    }
    lambda = next;
  }
  return { values: [lambda], matvecs, vector: v };
}

/** In place: w minus its components along the orthonormal `basis` (classical Gram–Schmidt on typed arrays), twice. */
function orthogonaliseInPlace(w: Float64Array, basis: readonly Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++) {
    for (const q of basis) {
      let c = 0;
      for (let i = 0; i < w.length; i++) c += w[i]! * q[i]!;
      for (let i = 0; i < w.length; i++) w[i] = w[i]! - c * q[i]!;
    }
  }
}

function typedNorm(w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i]! * w[i]!;
  return Math.sqrt(s);
}

export interface LanczosResult extends IterativeResult {
  /** |λ − θ| ≤ residual for some eigenvalue λ of H, for the top Ritz value θ (‖Hx − θx‖ = β·|last entry of T's eigenvector|). */
  residual: number;
  converged: boolean;
}

/**
 * Lanczos with full reorthogonalisation on typed arrays: the Krylov basis
 * grows until the top Ritz value's residual β_j·|y_j| is at most
 * `tolerance`·|θ| (a bound on its distance to an eigenvalue of H), or
 * `steps` HVPs are spent, or the space is exhausted (then θ is exact up to
 * rounding). Returns the k Ritz values of largest magnitude.
 */
export function lanczos(hvp: Hvp, n: number, opts: { steps?: number; k?: number; seed?: number; history?: boolean; tolerance?: number } = {}): LanczosResult {
  const steps = Math.min(opts.steps ?? 100, n);
  const tolerance = opts.tolerance ?? 1e-10;
  const rng = new Rng(opts.seed ?? 0);
  const Q: Float64Array[] = [Float64Array.from(randomUnit(n, rng))];
  const alpha: number[] = [];
  const beta: number[] = [];
  const history: number[] = [];
  let matvecs = 0;
  let residual = Infinity;
  let converged = false;
  for (let j = 0; j < steps; j++) {
    const q = Q[j]!;
    const w = Float64Array.from(hvp(Array.from(q)));
    matvecs++;
    let a = 0;
    for (let i = 0; i < n; i++) a += w[i]! * q[i]!;
    alpha.push(a);
    orthogonaliseInPlace(w, Q);
    const b = typedNorm(w);
    const top = topRitzPair(alpha, beta);
    if (opts.history) history.push(top.value);
    residual = b * Math.abs(top.lastComponent);
    const scale = Math.max(Math.abs(top.value), Number.MIN_VALUE);
    if (residual <= tolerance * scale || b <= 1e-14 * Math.max(...alpha.map(Math.abs), ...beta)) {
      converged = true;
      break;
    }
    if (j === steps - 1) break;
    beta.push(b);
    for (let i = 0; i < n; i++) w[i] = w[i]! / b;
    Q.push(w);
  }
  const ritz = ritzValues(alpha, beta.slice(0, alpha.length - 1));
  return { values: ritz.slice(0, opts.k ?? 1), matvecs, residual, converged, ...(opts.history ? { history } : {}) };
}

/** The Ritz value of largest magnitude of T(α, β) and the last entry of its unit eigenvector (two steps of inverse iteration). */
function topRitzPair(alpha: readonly number[], beta: readonly number[]): { value: number; lastComponent: number } {
  const m = alpha.length;
  const value = ritzValues(alpha, beta.slice(0, m - 1))[0]!;
  if (m === 1) return { value, lastComponent: 1 };
  // Solve (T − θI + δ) y = x by the tridiagonal (Thomas) algorithm; δ keeps the shifted matrix invertible.
  const shift = value + (Math.abs(value) + 1) * 1e-13;
  let y = new Float64Array(m).fill(1);
  for (let iteration = 0; iteration < 2; iteration++) {
    const c = new Float64Array(m);
    const d = new Float64Array(m);
    let denom = alpha[0]! - shift;
    c[0] = m > 1 ? beta[0]! / denom : 0;
    d[0] = y[0]! / denom;
    for (let i = 1; i < m; i++) {
      denom = alpha[i]! - shift - beta[i - 1]! * c[i - 1]!;
      c[i] = i < m - 1 ? beta[i]! / denom : 0;
      d[i] = (y[i]! - beta[i - 1]! * d[i - 1]!) / denom;
    }
    const next = new Float64Array(m);
    next[m - 1] = d[m - 1]!;
    for (let i = m - 2; i >= 0; i--) next[i] = d[i]! - c[i]! * next[i + 1]!;
    const size = typedNorm(next);
    y = next.map((x) => x / size);
  }
  return { value, lastComponent: Number.isFinite(y[m - 1]!) ? y[m - 1]! : 1 };
}

/** Eigenvalues of the tridiagonal T(α, β), by decreasing magnitude. */
function ritzValues(alpha: readonly number[], beta: readonly number[]): number[] {
  const m = alpha.length;
  const T = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? alpha[i]! : Math.abs(i - j) === 1 ? beta[Math.min(i, j)]! : 0)));
  return symmetricEigenvalues(T).sort((a, b) => Math.abs(b) - Math.abs(a));
}

export interface TraceEstimate {
  estimate: number;
  standardError: number;
  matvecs: number;
}

function meanAndError(samples: readonly number[]): { mean: number; error: number } {
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const variance = samples.length > 1 ? samples.reduce((s, x) => s + (x - mean) ** 2, 0) / (samples.length - 1) : 0;
  return { mean, error: Math.sqrt(variance / samples.length) };
}

/** Hutchinson: Tr H ≈ mean of zᵀHz over Rademacher z; the standard error is the sample's. */
export function hutchinson(hvp: Hvp, n: number, opts: { probes?: number; seed?: number } = {}): TraceEstimate {
  const rng = new Rng(opts.seed ?? 0);
  const probes = opts.probes ?? 100;
  const samples = Array.from({ length: probes }, () => {
    const z = Array.from({ length: n }, () => rng.rademacher());
    return dot(z, hvp(z));
  });
  const { mean, error } = meanAndError(samples);
  return { estimate: mean, standardError: error, matvecs: probes };
}

/**
 * ‖H‖_F by Hutchinson on H²: ‖H‖_F² = Tr H² = E‖Hz‖² over Rademacher z, one
 * HVP per probe. The standard error is the sample's, carried to the square root.
 */
export function hutchinsonFrobenius(hvp: Hvp, n: number, opts: { probes?: number; seed?: number } = {}): TraceEstimate {
  const rng = new Rng(opts.seed ?? 0);
  const probes = opts.probes ?? 100;
  const samples = Array.from({ length: probes }, () => {
    const hz = hvp(Array.from({ length: n }, () => rng.rademacher()));
    return dot(hz, hz);
  });
  const { mean, error } = meanAndError(samples);
  const estimate = Math.sqrt(mean);
  return { estimate, standardError: estimate > 0 ? error / (2 * estimate) : error, matvecs: probes };
}

/** Orthonormal basis of the columns (Gram–Schmidt twice, on typed arrays), dropping dependent ones. */
function orthonormalise(columns: readonly (readonly number[])[]): Float64Array[] {
  const basis: Float64Array[] = [];
  for (const col of columns) {
    const w = Float64Array.from(col);
    const before = typedNorm(w);
    orthogonaliseInPlace(w, basis);
    const s = typedNorm(w);
    if (s > 1e-12 * Math.max(1, before)) basis.push(w.map((x) => x / s));
  }
  return basis;
}

/**
 * Hutch++ (Meyer, Musco, Musco & Woodruff 2021): the trace of H on a sketched
 * range Q = orth(H S) exactly, plus Hutchinson on the complement (I − QQᵀ).
 * `budget` matvecs in thirds; the standard error is the complement's.
 */
export function hutchPlusPlus(hvp: Hvp, n: number, opts: { budget?: number; seed?: number } = {}): TraceEstimate {
  const rng = new Rng(opts.seed ?? 0);
  const third = Math.max(1, Math.floor((opts.budget ?? 99) / 3));
  const S = Array.from({ length: third }, () => Array.from({ length: n }, () => rng.rademacher()));
  const Q = orthonormalise(S.map(hvp));
  const top = Q.reduce((s, q) => s + dot(Array.from(q), hvp(Array.from(q))), 0);
  const project = (z: number[]) => {
    const w = Float64Array.from(z);
    orthogonaliseInPlace(w, Q);
    return Array.from(w);
  };
  const samples = Array.from({ length: third }, () => {
    const z = project(Array.from({ length: n }, () => rng.rademacher()));
    return dot(z, hvp(z));
  });
  const { mean, error } = meanAndError(samples);
  return { estimate: top + mean, standardError: error, matvecs: third + Q.length + third };
}

/** The diagonal block of H on θ indices [from, to). */
export function block(H: readonly (readonly number[])[], from: number, to: number): number[][] {
  return H.slice(from, to).map((row) => row.slice(from, to));
}

/** T·H·T with T = diag(|θ|): invariant under positive diagonal symmetries (H ↦ D⁻¹HD⁻¹, T ↦ DT). */
export function scaledHessian(H: readonly (readonly number[])[], theta: readonly number[]): number[][] {
  return H.map((row, i) => row.map((v, j) => Math.abs(theta[i]!) * v * Math.abs(theta[j]!)));
}
