/**
 * Dense matrices have P² entries: a size check before any of them is made,
 * so that a network too large for a dense Hessian is refused by name (exit 2
 * on the command line) instead of running the process out of memory.
 */
import { InputError } from '../field/errors.js';

/** Memory a dense matrix may take. */
export const DENSE_BYTES = 4 * 2 ** 30;
/** Bytes per entry: a float in a JS array, an exact value (an object with BigInt parts). */
export const FLOAT_ENTRY_BYTES = 16;
export const EXACT_ENTRY_BYTES = 200;

/** The largest n whose n × n matrix of `entryBytes`-byte entries fits DENSE_BYTES. */
export function denseLimit(entryBytes: number): number {
  return Math.floor(Math.sqrt(DENSE_BYTES / entryBytes));
}

/** Throws an InputError naming the size and the alternatives when an n × n `what` would not fit. */
export function assertDenseFits(n: number, entryBytes: number, what: string): void {
  const limit = denseLimit(entryBytes);
  if (n <= limit) return;
  const gib = (n * n * entryBytes) / 2 ** 30;
  throw new InputError('network', `${n} parameters`, `at most ${limit} parameters for a dense ${what} (${n}² entries, about ${gib.toFixed(gib < 10 ? 1 : 0)} GiB); use Hessian-vector products instead (Lanczos for the spectral norm, Hutch++ for the trace: flatcheck eval does this above 1000 parameters), the diagonal alone (lossHessianDiagonal), or --engine tfjs`);
}

/** Dense Hessian from P HVPs with the unit vectors, symmetrised (H + Hᵀ)/2. */
export function denseHessian(size: number, hvp: (v: number[]) => ArrayLike<number>): number[][] {
  assertDenseFits(size, FLOAT_ENTRY_BYTES, 'Hessian');
  const columns = Array.from({ length: size }, (_, j) => hvp(Array.from({ length: size }, (_, i) => (i === j ? 1 : 0))));
  return columns.map((_, i) => columns.map((col, j) => (columns[i]![j]! + col[i]!) / 2));
}
