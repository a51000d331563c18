import { defineMetric } from '../contract.js';
import { scaledHessian, spectralNorm } from '../../curvature/spectral.js';

export default defineMetric({
  id: 'scaled-hessian-spectral-norm',
  title: 'Spectral norm of T·H·T, T = diag(|θ|)',
  reference: 'docs/theory.md §5 (θ ↦ Dθ sends H ↦ D⁻¹HD⁻¹ and T ↦ DT)',
  claims: { invariant: ['layer-scale', 'neuron-scale', 'permutation'] },
  evaluate: (ctx) => spectralNorm(scaledHessian(ctx.hessian(), ctx.theta)),
});
