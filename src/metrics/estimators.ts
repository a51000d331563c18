/**
 * Pieces shared by the reference metrics: maximiser starts that move with
 * the symmetries, and Monte-Carlo estimates of the loss under random
 * perturbations (PAC-Bayes flatness, average sharpness).
 */
import { powerIteration } from '../curvature/spectral.js';
import type { MetricContext } from './contract.js';

/**
 * Starts ±h∘u for the sharpness maximiser, u the top eigenvector of
 * diag(h)·H·diag(h) by power iteration from the all-ones vector. A
 * permutation permutes u (it fixes the all-ones start); a positive diagonal
 * scaling D with h ↦ D h (an adaptive region) leaves diag(h)·H·diag(h)
 * unchanged. Seeded random restarts would follow neither, so a metric built
 * on them could not be invariant.
 */
export function curvatureStarts(ctx: MetricContext, halfWidths: readonly number[]): number[][] {
  const H = ctx.hessian();
  const n = halfWidths.length;
  const scaled = (v: readonly number[]) => H.map((row, i) => halfWidths[i]! * row.reduce((s, h, j) => s + h * halfWidths[j]! * v[j]!, 0));
  const u = powerIteration(scaled, n, { start: new Array<number>(n).fill(1), maxIterations: 200 }).vector!;
  const d = u.map((x, i) => x * halfWidths[i]!);
  return [d, d.map((x) => -x)];
}

/** samples × n standard normals from ctx.random, drawn once so every noise scale a search tries sees the same draws. */
export function normalDraws(ctx: MetricContext, samples: number, n: number): number[][] {
  return Array.from({ length: samples }, () => Array.from({ length: n }, () => ctx.random.normal()));
}

/** E[L(θ + w∘ξ)] − L(θ) over the antithetic pairs ±ξ of `draws` (pairing cancels the first-order term's noise). */
export function meanLossIncrease(ctx: MetricContext, widths: readonly number[], draws: readonly number[][]): number {
  const base = ctx.loss();
  let sum = 0;
  for (const xi of draws) {
    const plus = ctx.theta.map((t, i) => t + widths[i]! * xi[i]!);
    const minus = ctx.theta.map((t, i) => t - widths[i]! * xi[i]!);
    sum += (ctx.loss(plus) + ctx.loss(minus)) / 2 - base;
  }
  return sum / draws.length;
}

/**
 * The largest σ with meanLossIncrease(σ·widths) ≤ target, by bisection in
 * log₂σ over [2⁻⁴⁰, 2¹⁰] to 50·2⁻¹⁶ (the estimate is a continuous function of σ for
 * fixed draws; if it crosses the target more than once, one crossing).
 */
export function largestNoiseScale(ctx: MetricContext, widths: readonly number[], draws: readonly number[][], target: number): number {
  const within = (log2Sigma: number) => meanLossIncrease(ctx, widths.map((w) => w * 2 ** log2Sigma), draws) <= target;
  let lo = -40;
  let hi = 10;
  if (within(hi)) return 2 ** hi;
  if (!within(lo)) return 2 ** lo;
  for (let i = 0; i < 16; i++) {
    const mid = (lo + hi) / 2;
    if (within(mid)) lo = mid;
    else hi = mid;
  }
  return 2 ** lo;
}
