import { defineMetric } from '../contract.js';
import { denseTrace, scaledHessian } from '../../curvature/spectral.js';

export default defineMetric({
  id: 'scaled-hessian-trace',
  title: 'Trace of T·H·T, T = diag(|θ|)',
  reference: 'docs/theory.md §5',
  claims: { invariant: ['layer-scale', 'neuron-scale', 'permutation'] },
  evaluate: (ctx) => denseTrace(scaledHessian(ctx.hessian(), ctx.theta)),
});
