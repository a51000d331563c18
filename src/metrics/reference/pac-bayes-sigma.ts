import { defineMetric } from '../contract.js';
import { largestNoiseScale, normalDraws } from '../estimators.js';

/**
 * PAC-Bayes flatness 1/σ², σ the largest standard deviation of isotropic Gaussian noise with
 * E[L(θ + z)] − L(θ) ≤ 0.1 (bisection in log σ over 32 antithetic pairs). Larger is sharper.
 */
export default defineMetric({
  id: 'pac-bayes-sigma',
  title: 'PAC-Bayes flatness 1/σ², isotropic noise, loss deviation 0.1 (Monte Carlo)',
  reference: 'Jiang, Neyshabur, Mobahi, Krishnan & Bengio 2019, "Fantastic generalization measures", pacbayes.flatness',
  claims: { invariant: ['permutation'] },
  evaluate: (ctx) => largestNoiseScale(ctx, ctx.theta.map(() => 1), normalDraws(ctx, 32, ctx.theta.length), 0.1) ** -2,
});
