import { defineMetric } from '../contract.js';

export default defineMetric({
  id: 'gradient-norm',
  title: 'Gradient norm ‖∇L(θ)‖₂',
  reference: 'Dinh et al. 2017, Theorem 6',
  claims: { invariant: ['permutation'], unbounded: ['layer-scale', 'neuron-scale'] },
  evaluate: (ctx) => Math.hypot(...ctx.gradient()),
});
