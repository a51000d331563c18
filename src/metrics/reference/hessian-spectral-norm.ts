import { defineMetric } from '../contract.js';
import { spectralNorm } from '../../curvature/spectral.js';

export default defineMetric({
  id: 'hessian-spectral-norm',
  title: 'Hessian spectral norm |||∇²L(θ)|||₂',
  reference: 'Dinh et al. 2017, Theorem 4',
  claims: { invariant: ['permutation'], unbounded: ['layer-scale', 'neuron-scale'] },
  evaluate: (ctx) => spectralNorm(ctx.hessian()),
});
