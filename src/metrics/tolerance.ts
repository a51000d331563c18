/** The tolerance of an invariance check, from the metric's own float noise: rounding, the float symmetry's perturbation, sampling. */
import { float64Field, FLOAT32_UNIT_ROUNDOFF, FLOAT64_UNIT_ROUNDOFF } from '../field/float64.js';
import { Rng } from '../field/random.js';
import type { Dataset } from '../network/types.js';
import { asV2, flattenV2, isV1, parameterCountV2, unflattenV2, walkLayers, type AnyNetwork } from '../network/v2.js';
import { lossV2 } from '../network/v2-forward.js';
import { floatArchitecturePerturbation, floatSymmetryPerturbation, type Symmetry, type SymmetryV2 } from '../symmetry/index.js';
import type { Evaluate, Evaluation } from './evaluate.js';

/** The unit roundoff a metric computed with: float32's if it touched tensors (ctx.tf, or the tensor derivatives), float64's otherwise. */
export const unitRoundoff = (e: Pick<Evaluation, 'usedTensors'>): number => (e.usedTensors ? FLOAT32_UNIT_ROUNDOFF : FLOAT64_UNIT_ROUNDOFF);

/**
 * A random metric (one that draws from ctx.random) is an estimator: it is
 * compared on SAMPLING_SEEDS paired estimates, D_s = m_s(Sθ) − m_s(θ) with
 * the same seed s on both sides (pairing removes the noise the two share).
 * For Gaussian estimates mean(D)/(sd(D)/√8) is t-distributed with 7 degrees
 * of freedom, and P(|t₇| > 12) ≈ 6e-6.
 */
const SAMPLING_SEEDS = 8;
export const SAMPLING_Z = 12;

/**
 * The metric's own rounding, which a permutation exercises by reordering
 * sums and rotations: the backward-error allowance of dense symmetric
 * eigensolvers on P×P matrices, 10P²u‖H‖_F ≤ 10P^2.5·u·|||H|||₂, relative to
 * the size of what the metric is computed from — its values and the loss
 * L(θ), since a sharpness is a difference of losses and carries the loss's
 * rounding, not its own size's (sums over P terms, γ_P, are well inside it).
 * u is the metric's own precision (unitRoundoff): a float32 metric is held to
 * float32's, a float64 one to float64's.
 */
export function roundingAllowance(net: AnyNetwork<number>, data: Dataset<number>, before: number, after: number, u = FLOAT64_UNIT_ROUNDOFF): number {
  const layered = asV2(net);
  return 10 * parameterCountV2(layered) ** 2.5 * u * (Math.abs(before) + Math.abs(after) + 2 * Math.abs(lossV2(float64Field, layered, data)));
}

/**
 * Sθ is computed in floats, so each entry carries a relative error up to
 * ρ = floatSymmetryPerturbation (0 for a permutation, which is exact): the
 * metric's response to such an error is measured directly (every entry moved
 * by ±ρ relative, seeded signs), ×4 for both sides and both signs. A float32
 * metric (u = float32's) also rounds θ and Sθ to float32 on the way in: each
 * entry moves by up to u more, a permutation's included.
 */
export async function perturbationAllowance(run: Evaluate, c: { net: AnyNetwork<number>; data: Dataset<number>; sym: Symmetry | SymmetryV2 }, before: number, u = FLOAT64_UNIT_ROUNDOFF): Promise<number> {
  const layered = asV2(c.net);
  const floatRho = isV1(c.net) ? floatSymmetryPerturbation(c.sym as Symmetry, c.net.layers.length, FLOAT64_UNIT_ROUNDOFF) : floatArchitecturePerturbation(layered, c.sym as SymmetryV2, FLOAT64_UNIT_ROUNDOFF);
  const rho = floatRho + (u > FLOAT64_UNIT_ROUNDOFF ? u : 0);
  if (rho === 0) return 0;
  const rng = new Rng(7);
  const perturbed = unflattenV2(layered, flattenV2(layered).map((t) => t * (1 + rho * rng.rademacher())));
  // A batch norm's statistics and ε move with a batchnorm-scale, and round as θ does.
  walkLayers(perturbed.layers, (l) => {
    if (l.type !== 'batchnorm') return;
    for (const key of ['runningMean', 'runningVariance', 'epsilon'] as const) l[key] = l[key].map((v) => v * (1 + rho * rng.rademacher()));
  });
  return 4 * Math.abs((await run(perturbed, c.data)).value - before);
}

/** Paired estimates at θ and Sθ for seeds 1…SAMPLING_SEEDS (seed 1's already known): means and the standard error of their difference. */
export async function pairedEstimates(run: Evaluate, c: { net: AnyNetwork<number>; transformed: AnyNetwork<number>; data: Dataset<number> }, first: [number, number]) {
  const pairs = [first];
  for (let seed = 2; seed <= SAMPLING_SEEDS; seed++) pairs.push([(await run(c.net, c.data, seed)).value, (await run(c.transformed, c.data, seed)).value]);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const differences = pairs.map(([b, a]) => a - b);
  const d = mean(differences);
  const sd = Math.sqrt(differences.reduce((acc, x) => acc + (x - d) ** 2, 0) / (SAMPLING_SEEDS - 1));
  return { before: mean(pairs.map(([b]) => b)), after: mean(pairs.map(([, a]) => a)), standardError: sd / Math.sqrt(SAMPLING_SEEDS) };
}
