/**
 * Float64 curvature from a dense Hessian or from Hessian-vector products
 * only: eigenvalues (cyclic Jacobi), power iteration, Lanczos with full
 * reorthogonalisation, Hutchinson and Hutch++ trace estimates with standard
 * errors, Frobenius norm, per-block quantities and the scaled T·H·T.
 */
import { Rng } from '../field/random.js';

export type Hvp = (v: number[]) => number[];

export const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: readonly number[]) => Math.sqrt(dot(a, a));

/** w minus its components along the orthonormal `basis` (modified Gram–Schmidt), `passes` times. */
function removeComponents(w: readonly number[], basis: readonly (readonly number[])[], passes: number): number[] {
  let out = [...w];
  for (let pass = 0; pass < passes; pass++) {
    for (const q of basis) {
      const c = dot(out, q);
      out = out.map((x, i) => x - c * q[i]!);
    }
  }
  return out;
}

export function denseHvp(H: readonly (readonly number[])[]): Hvp {
  return (v) => H.map((row) => dot(row, v));
}

/** All eigenvalues of a symmetric matrix, descending (cyclic Jacobi: slow, simple, backward stable). */
export function symmetricEigenvalues(H: readonly (readonly number[])[]): number[] {
  const n = H.length;
  const A = H.map((row) => [...row]);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p]![q]! ** 2;
    if (off === 0 || off < 1e-300) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p]![q]!;
        if (apq === 0) continue;
        const theta = (A[q]![q]! - A[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k]![p]!;
          const akq = A[k]![q]!;
          A[k]![p] = c * akp - s * akq;
          A[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p]![k]!;
          const aqk = A[q]![k]!;
          A[p]![k] = c * apk - s * aqk;
          A[q]![k] = s * apk + c * aqk;
        }
      }
    }
  }
  return A.map((row, i) => row[i]!).sort((a, b) => b - a);
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

/**
 * Lanczos with full reorthogonalisation: m steps build a Krylov basis, the
 * tridiagonal T's eigenvalues (Ritz values) approximate the extreme
 * eigenvalues of H. Returns the k of largest magnitude.
 */
export function lanczos(hvp: Hvp, n: number, opts: { steps?: number; k?: number; seed?: number; history?: boolean } = {}): IterativeResult {
  const steps = Math.min(opts.steps ?? 40, n);
  const rng = new Rng(opts.seed ?? 0);
  const Q: number[][] = [randomUnit(n, rng)];
  const alpha: number[] = [];
  const beta: number[] = [];
  const history: number[] = [];
  let matvecs = 0;
  for (let j = 0; j < steps; j++) {
    const hq = hvp(Q[j]!);
    matvecs++;
    alpha.push(dot(hq, Q[j]!));
    if (opts.history) history.push(topRitz(alpha, beta));
    // Full reorthogonalisation against every basis vector, twice (Kahan's "twice is enough").
    const w = removeComponents(hq, Q, 2);
    const b = norm(w);
    if (j === steps - 1 || b <= 1e-14 * Math.max(1, Math.abs(alpha[j]!))) break;
    beta.push(b);
    Q.push(w.map((x) => x / b));
  }
  const ritz = ritzValues(alpha, beta);
  return { values: ritz.slice(0, opts.k ?? 1), matvecs, ...(opts.history ? { history } : {}) };
}

/** Eigenvalues of the tridiagonal T(α, β), by decreasing magnitude. */
function ritzValues(alpha: readonly number[], beta: readonly number[]): number[] {
  const m = alpha.length;
  const T = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? alpha[i]! : Math.abs(i - j) === 1 ? beta[Math.min(i, j)]! : 0)));
  return symmetricEigenvalues(T).sort((a, b) => Math.abs(b) - Math.abs(a));
}

function topRitz(alpha: readonly number[], beta: readonly number[]): number {
  return ritzValues(alpha, beta.slice(0, alpha.length - 1))[0]!;
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

/** Orthonormal basis of the columns (modified Gram–Schmidt, twice), dropping dependent ones. */
function orthonormalise(columns: number[][]): number[][] {
  const basis: number[][] = [];
  for (const col of columns) {
    const w = removeComponents(col, basis, 2);
    const s = norm(w);
    if (s > 1e-12 * Math.max(1, norm(col))) basis.push(w.map((x) => x / s));
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
  const top = Q.reduce((s, q) => s + dot(q, hvp(q)), 0);
  const project = (z: number[]) => removeComponents(z, Q, 1);
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
