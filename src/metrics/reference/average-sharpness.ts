import { defineMetric } from '../contract.js';
import { meanLossIncrease, normalDraws } from '../estimators.js';

/**
 * Average (random-perturbation) sharpness: E[L(θ + z)] − L(θ), z ~ N(0, σ²I), σ = 0.01,
 * estimated on 128 antithetic pairs. Isotropic noise does not follow a rescaling of θ.
 */
export default defineMetric({
  id: 'average-sharpness',
  title: 'Average sharpness, z ~ N(0, σ²I), σ = 0.01 (Monte Carlo)',
  reference: 'Jiang, Neyshabur, Mobahi, Krishnan & Bengio 2019 (sharpness.mag / pacbayes family), docs/theory.md §5',
  claims: { invariant: ['permutation'] },
  evaluate: (ctx) => meanLossIncrease(ctx, ctx.theta.map(() => 0.01), normalDraws(ctx, 128, ctx.theta.length)),
});
