/** Spectral norm, trace and Frobenius norm of a float Hessian, whole, per layer block and scaled. */
import { parameterOffsets } from '../network/flat.js';
import type { NetworkShape } from '../network/types.js';
import { block, denseTrace, frobeniusNorm, scaledHessian, spectralNorm } from './spectral.js';

export interface CurvatureSummary {
  spectralNorm: number;
  trace: number;
  frobenius: number;
}

export function summarise(H: readonly (readonly number[])[]): CurvatureSummary {
  return { spectralNorm: spectralNorm(H), trace: denseTrace(H), frobenius: frobeniusNorm(H) };
}

export interface BlockSummary extends CurvatureSummary {
  /** "layer 1", "layer 1 weights", "layer 1 bias", … (1-based layers). */
  block: string;
  from: number;
  to: number;
}

/** Spectral norm, trace and Frobenius norm of every layer's diagonal block, and of its weight and bias blocks. */
export function perBlock(H: readonly (readonly number[])[], shape: NetworkShape): BlockSummary[] {
  const { weightOffset, biasOffset } = parameterOffsets(shape);
  const out: BlockSummary[] = [];
  shape.sizes.forEach((size, k) => {
    const start = weightOffset[k]!;
    const end = k + 1 < shape.sizes.length ? weightOffset[k + 1]! : H.length;
    const weightsEnd = biasOffset[k]! >= 0 ? biasOffset[k]! : end;
    const add = (name: string, from: number, to: number) => out.push({ block: name, from, to, ...summarise(block(H, from, to)) });
    add(`layer ${k + 1}`, start, end);
    if (biasOffset[k]! >= 0) {
      add(`layer ${k + 1} weights`, start, weightsEnd);
      add(`layer ${k + 1} bias`, weightsEnd, weightsEnd + size);
    }
  });
  return out;
}

/** The same three quantities for T·H·T, T = diag(|θ|). */
export function scaledSummary(H: readonly (readonly number[])[], theta: readonly number[]): CurvatureSummary {
  return summarise(scaledHessian(H, theta));
}
