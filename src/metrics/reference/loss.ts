import { defineMetric } from '../contract.js';

export default defineMetric({
  id: 'loss',
  title: 'Training loss L(θ)',
  reference: 'Dinh et al. 2017, §2 (observational equivalence)',
  claims: { invariant: ['layer-scale', 'neuron-scale', 'permutation'] },
  evaluate: (ctx) => ctx.loss(),
});
