import { defineMetric, lossOracle } from '../contract.js';
import { maximiseSharpness } from '../../sharpness/maximiser.js';
import { curvatureStarts } from '../estimators.js';

/**
 * ASAM's default: half-widths ρ(|θ_i| + η), η = 0.01, ρ = 0.05. The η makes it only nearly invariant:
 * the conformance battery is expected to say "not-invariant". A lower bound.
 */
export default defineMetric({
  id: 'asam-sharpness',
  title: 'Adaptive sharpness, η = 0.01, ρ = 0.05 (lower bound)',
  reference: 'Kwon et al. 2021 (ASAM), η = 0.01',
  claims: { invariant: ['permutation'] },
  evaluate: (ctx) => {
    const halfWidths = ctx.theta.map((t) => 0.05 * (Math.abs(t) + 0.01));
    return maximiseSharpness(lossOracle(ctx), ctx.theta, { kind: 'elementwise', halfWidths }, { restarts: 1, startDirections: curvatureStarts(ctx, halfWidths) }).value * (1 + ctx.loss());
  },
});
