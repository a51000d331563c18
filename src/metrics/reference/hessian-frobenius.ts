import { defineMetric } from '../contract.js';
import { frobeniusNorm } from '../../curvature/spectral.js';

export default defineMetric({
  id: 'hessian-frobenius',
  title: 'Hessian Frobenius norm ‖∇²L(θ)‖_F',
  reference: 'Dinh et al. 2017, §2',
  claims: { invariant: ['permutation'], unbounded: ['layer-scale', 'neuron-scale'] },
  evaluate: (ctx) => frobeniusNorm(ctx.hessian()),
});
