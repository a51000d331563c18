import { defineMetric, lossOracle } from '../contract.js';
import { maximiseSharpness } from '../../sharpness/maximiser.js';
import { curvatureStarts } from '../estimators.js';

/** Keskar's box C_ε = {|z_i| ≤ ε(|θ_i| + 1)}, ×100, ε = 1e-3, full space (a lower bound). Its "+1" breaks scaling. */
export default defineMetric({
  id: 'keskar-sharpness',
  title: 'Keskar ε-sharpness (box, ×100), ε = 1e-3 (lower bound)',
  reference: 'Keskar et al. 2017, Metric 2.1',
  claims: { invariant: ['permutation'] },
  evaluate: (ctx) => maximiseSharpness(lossOracle(ctx), ctx.theta, { kind: 'box', epsilon: 1e-3 }, { restarts: 1, startDirections: curvatureStarts(ctx, ctx.theta.map((t) => 1e-3 * (Math.abs(t) + 1))) }).value,
});
