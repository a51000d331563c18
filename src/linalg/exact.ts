/**
 * Exact linear algebra for certificates, over any Field (exact in rationals):
 * linear solves, the inertia of a symmetric matrix (Sylvester's law, from an
 * LDLᵀ factorisation with 1×1 and 2×2 pivots), rank, the number of
 * eigenvalues above a bound, and lower bounds of the spectral norm.
 */
import type { Field } from '../field/field.js';

export type Matrix<T> = T[][];

export function copyMatrix<T>(A: Matrix<T>): Matrix<T> {
  return A.map((row) => [...row]);
}

/** Solves A x = b by Gaussian elimination with non-zero pivots (exact in an exact field). Throws if A is singular. */
export function solve<T>(F: Field<T>, A: Matrix<T>, b: T[]): T[] {
  const n = A.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    const p = M.findIndex((row, r) => r >= c && F.sign(row[c]!) !== 0);
    if (p < 0) throw new RangeError('solve: the matrix is singular');
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c || F.sign(M[r]![c]!) === 0) continue;
      const factor = F.div(M[r]![c]!, M[c]![c]!);
      for (let k = c; k <= n; k++) M[r]![k] = F.sub(M[r]![k]!, F.mul(factor, M[c]![k]!));
    }
  }
  return M.map((row, i) => F.div(row[n]!, row[i]!));
}

export interface Inertia {
  positive: number;
  negative: number;
  zero: number;
}

/**
 * The numbers of positive, negative and zero eigenvalues of a symmetric
 * matrix, exactly: LDLᵀ by symmetric elimination. A non-zero diagonal entry
 * is a 1×1 pivot (its sign counts); when every remaining diagonal entry is 0
 * but some A_ij is not, the 2×2 pivot [[0, b], [b, 0]] has one positive and
 * one negative eigenvalue; when all that remains is 0, it is the kernel.
 * Congruence preserves inertia (Sylvester), so the counts are exact.
 */
export function inertia<T>(F: Field<T>, H: Matrix<T>): Inertia {
  const A = copyMatrix(H);
  let active = A.map((_, i) => i);
  const result: Inertia = { positive: 0, negative: 0, zero: 0 };
  while (active.length > 0) {
    const i = active.find((r) => F.sign(A[r]![r]!) !== 0);
    if (i !== undefined) {
      const d = A[i]![i]!;
      if (F.sign(d) > 0) result.positive++;
      else result.negative++;
      active = active.filter((r) => r !== i);
      for (const r of active) {
        if (F.sign(A[r]![i]!) === 0) continue;
        const factor = F.div(A[r]![i]!, d);
        for (const c of active) A[r]![c] = F.sub(A[r]![c]!, F.mul(factor, A[i]![c]!));
      }
      continue;
    }
    let pair: [number, number] | undefined;
    for (const r of active) {
      const c = active.find((c) => c > r && F.sign(A[r]![c]!) !== 0);
      if (c !== undefined) {
        pair = [r, c];
        break;
      }
    }
    if (!pair) {
      result.zero += active.length;
      break;
    }
    const [p, q] = pair;
    const b = A[p]![q]!;
    result.positive++;
    result.negative++;
    active = active.filter((r) => r !== p && r !== q);
    // Schur complement with B⁻¹ = [[0, 1/b], [1/b, 0]]: A_rc −= (A_rp A_qc + A_rq A_pc) / b.
    const rows = active.map((r) => [A[r]![p]!, A[r]![q]!] as const);
    active.forEach((r, ri) => {
      const [rp, rq] = rows[ri]!;
      if (F.sign(rp) === 0 && F.sign(rq) === 0) return;
      active.forEach((c, ci) => {
        const [cp, cq] = rows[ci]!;
        A[r]![c] = F.sub(A[r]![c]!, F.div(F.add(F.mul(rp, cq), F.mul(rq, cp)), b));
      });
    });
  }
  return result;
}

/** Rank of a symmetric matrix: the dimension minus its kernel. */
export function symmetricRank<T>(F: Field<T>, H: Matrix<T>): number {
  return H.length - inertia(F, H).zero;
}

/** The number of eigenvalues of H strictly greater than M: the positive inertia of H − M·I. */
export function countEigenvaluesAbove<T>(F: Field<T>, H: Matrix<T>, M: T): number {
  return inertia(F, H.map((row, i) => row.map((v, j) => (i === j ? F.sub(v, M) : v)))).positive;
}

/** max_i |H_ii| with its index: a lower bound of |||H|||₂ (|H_ii| = |e_iᵀ H e_i| ≤ |||H|||₂). */
export function largestDiagonal<T>(F: Field<T>, H: Matrix<T>): { index: number; value: T } {
  let index = 0;
  H.forEach((row, i) => {
    if (F.compare(F.abs(row[i]!), F.abs(H[index]![index]!)) > 0) index = i;
  });
  return { index, value: H[index]![index]! };
}

/** vᵀHv / vᵀv: for symmetric H, |it| ≤ |||H|||₂. */
export function rayleighQuotient<T>(F: Field<T>, H: Matrix<T>, v: T[]): T {
  let num = F.zero;
  let den = F.zero;
  H.forEach((row, i) => {
    let hv = F.zero;
    row.forEach((h, j) => (hv = F.add(hv, F.mul(h, v[j]!))));
    num = F.add(num, F.mul(v[i]!, hv));
    den = F.add(den, F.mul(v[i]!, v[i]!));
  });
  return F.div(num, den);
}

export function trace<T>(F: Field<T>, H: Matrix<T>): T {
  return H.reduce((s, row, i) => F.add(s, row[i]!), F.zero);
}

/** ‖H‖_F² (exact; the norm itself is its square root). */
export function frobeniusSquared<T>(F: Field<T>, H: Matrix<T>): T {
  return H.reduce((s, row) => row.reduce((t, v) => F.add(t, F.mul(v, v)), s), F.zero);
}

export function matMul<T>(F: Field<T>, A: Matrix<T>, B: Matrix<T>): Matrix<T> {
  return A.map((row) => B[0]!.map((_, j) => row.reduce((s, a, k) => (F.sign(a) === 0 ? s : F.add(s, F.mul(a, B[k]![j]!))), F.zero)));
}

export function transpose<T>(A: Matrix<T>): Matrix<T> {
  return A[0]!.map((_, j) => A.map((row) => row[j]!));
}

export function matricesEqual<T>(F: Field<T>, A: Matrix<T>, B: Matrix<T>): boolean {
  return A.length === B.length && A.every((row, i) => row.length === B[i]!.length && row.every((v, j) => F.equals(v, B[i]![j]!)));
}
