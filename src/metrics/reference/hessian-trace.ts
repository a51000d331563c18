import { defineMetric } from '../contract.js';
import { denseTrace } from '../../curvature/spectral.js';

export default defineMetric({
  id: 'hessian-trace',
  title: 'Hessian trace Tr ∇²L(θ)',
  reference: 'Dinh et al. 2017, Theorem 4 (the trace bounds the spectral norm at a minimum)',
  claims: { invariant: ['permutation'], unbounded: ['layer-scale', 'neuron-scale'] },
  evaluate: (ctx) => denseTrace(ctx.hessian()),
});
