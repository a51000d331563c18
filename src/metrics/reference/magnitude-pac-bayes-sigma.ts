import { defineMetric } from '../contract.js';
import { largestNoiseScale, normalDraws } from '../estimators.js';

/**
 * Magnitude-aware PAC-Bayes flatness 1/σ², noise z_i ~ N(0, σ²θ_i²) (ε = 0), σ the largest with
 * E[L(θ + z)] − L(θ) ≤ 0.1 (bisection over 32 antithetic pairs). Noise ∝ |θ_i| follows rescalings.
 */
export default defineMetric({
  id: 'magnitude-pac-bayes-sigma',
  title: 'Magnitude-aware PAC-Bayes flatness 1/σ², ε = 0, loss deviation 0.1 (Monte Carlo)',
  reference: 'Jiang et al. 2020 (NeurIPS 2020 competition), pacbayes.mag.flatness with ε = 0',
  claims: { invariant: ['layer-scale', 'neuron-scale', 'permutation'] },
  evaluate: (ctx) => largestNoiseScale(ctx, ctx.theta.map((t) => Math.abs(t)), normalDraws(ctx, 32, ctx.theta.length), 0.1) ** -2,
});
