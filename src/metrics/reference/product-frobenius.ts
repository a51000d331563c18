import { defineMetric } from '../contract.js';
import type { Layer } from '../../network/types.js';

export default defineMetric({
  id: 'product-frobenius',
  title: 'Product of layer Frobenius norms Π_k ‖W_k‖_F',
  reference: 'Neyshabur, Tomioka & Srebro 2015 (norm-based capacity)',
  claims: { invariant: ['layer-scale', 'permutation'] },
  // It reads the layers of an MLP (flatcheck.network/v1): on conv and residual nets the battery does not run it.
  architectures: ['mlp'],
  evaluate: (ctx) => (ctx.network as { layers: Layer<number>[] }).layers.reduce((p, l) => p * Math.hypot(...l.weights.flat()), 1),
});
