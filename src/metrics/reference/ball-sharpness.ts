import { defineMetric, lossOracle } from '../contract.js';
import { maximiseSharpness } from '../../sharpness/maximiser.js';
import { curvatureStarts } from '../estimators.js';

/** A lower bound (the loss at the maximiser's argmax), ε = 1e-3; starts at 0 and ± the top Hessian eigenvector. */
export default defineMetric({
  id: 'ball-sharpness',
  title: 'ε-sharpness over the Euclidean ball, ε = 1e-3 (lower bound)',
  reference: 'Keskar et al. 2017 as stated by Dinh et al. 2017, Definition 2',
  claims: { invariant: ['permutation'] },
  evaluate: (ctx) => maximiseSharpness(lossOracle(ctx), ctx.theta, { kind: 'ball', epsilon: 1e-3 }, { restarts: 1, startDirections: curvatureStarts(ctx, ctx.theta.map(() => 1)) }).value,
});
