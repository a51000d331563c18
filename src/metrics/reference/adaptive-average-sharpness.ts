import { defineMetric } from '../contract.js';
import { meanLossIncrease, normalDraws } from '../estimators.js';

/**
 * Adaptive average sharpness, η = 0: E[L(θ + z)] − L(θ), z_i ~ N(0, ρ²θ_i²), ρ = 0.05, on 128 antithetic
 * pairs. Noise proportional to |θ_i| follows any positive diagonal rescaling.
 */
export default defineMetric({
  id: 'adaptive-average-sharpness',
  title: 'Adaptive average sharpness, η = 0, ρ = 0.05 (Monte Carlo)',
  reference: 'Kwon et al. 2021 (ASAM), average version, η = 0; Andriushchenko et al. 2023',
  claims: { invariant: ['layer-scale', 'neuron-scale', 'permutation'] },
  evaluate: (ctx) => meanLossIncrease(ctx, ctx.theta.map((t) => 0.05 * Math.abs(t)), normalDraws(ctx, 128, ctx.theta.length)),
});
