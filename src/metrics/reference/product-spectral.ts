import { defineMetric } from '../contract.js';
import { symmetricEigenvalues } from '../../curvature/spectral.js';
import type { Layer } from '../../network/types.js';

/** ‖W‖₂ = √λ_max(WᵀW). */
function spectral(W: number[][]): number {
  const gram = W[0]!.map((_, i) => W[0]!.map((_, j) => W.reduce((s, row) => s + row[i]! * row[j]!, 0)));
  return Math.sqrt(Math.max(0, symmetricEigenvalues(gram)[0]!));
}

export default defineMetric({
  id: 'product-spectral',
  title: 'Product of layer spectral norms Π_k ‖W_k‖₂',
  reference: 'Bartlett, Foster & Telgarsky 2017 (spectrally-normalised margins)',
  claims: { invariant: ['layer-scale', 'permutation'] },
  // It reads the layers of an MLP (flatcheck.network/v1): on conv and residual nets the battery does not run it.
  architectures: ['mlp'],
  evaluate: (ctx) => (ctx.network as { layers: Layer<number>[] }).layers.reduce((p, l) => p * spectral(l.weights), 1),
});
