import { defineMetric } from '../contract.js';
import type { Layer } from '../../network/types.js';

export default defineMetric({
  id: 'product-frobenius',
  title: 'Product of layer Frobenius norms Π_k ‖W_k‖_F',
  reference: 'Neyshabur, Tomioka & Srebro 2015 (norm-based capacity)',
  claims: { invariant: ['layer-scale', 'permutation'] },
  evaluate: (ctx) => (ctx.network as { layers: Layer<number>[] }).layers.reduce((p, l) => p * Math.hypot(...l.weights.flat()), 1),
});
