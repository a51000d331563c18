import { defineMetric, lossOracle } from '../contract.js';
import { maximiseSharpness } from '../../sharpness/maximiser.js';
import { curvatureStarts } from '../estimators.js';

/**
 * Adaptive worst-case sharpness with η = 0: max over |z_i| ≤ ρ|θ_i| of L(θ + z) − L(θ), ρ = 0.05
 * (elementwise, so any positive diagonal symmetry maps the box onto the box). A lower bound.
 */
export default defineMetric({
  id: 'adaptive-sharpness',
  title: 'Adaptive sharpness, η = 0, ρ = 0.05 (lower bound)',
  reference: 'Kwon et al. 2021 (ASAM), elementwise, η = 0',
  claims: { invariant: ['layer-scale', 'neuron-scale', 'permutation'] },
  evaluate: (ctx) => {
    const halfWidths = ctx.theta.map((t) => 0.05 * Math.abs(t));
    return maximiseSharpness(lossOracle(ctx), ctx.theta, { kind: 'elementwise', halfWidths }, { restarts: 1, startDirections: curvatureStarts(ctx, halfWidths) }).value * (1 + ctx.loss());
  },
});
