import { defineMetric } from '../contract.js';
import type { Layer } from '../../network/types.js';

/**
 * ℓ2 path norm: √(Σ over input→output paths of Π w²), a bias counting as a
 * path that starts at its own layer: v_0 = 1, v_k = W_k^{∘2} v_{k−1} + b_k^{∘2}.
 */
export default defineMetric({
  id: 'path-norm',
  title: 'ℓ2 path norm',
  reference: 'Neyshabur, Salakhutdinov & Srebro 2015 (Path-SGD)',
  claims: { invariant: ['layer-scale', 'neuron-scale', 'permutation'] },
  // It reads the layers of an MLP (flatcheck.network/v1): on conv and residual nets the battery does not run it.
  architectures: ['mlp'],
  evaluate: (ctx) => {
    const net = ctx.network as { inputSize: number; layers: Layer<number>[] };
    let v = new Array<number>(net.inputSize).fill(1);
    for (const layer of net.layers) {
      v = layer.weights.map((row, i) => row.reduce((s, w, j) => s + w * w * v[j]!, layer.bias ? layer.bias[i]! ** 2 : 0));
    }
    return Math.sqrt(v.reduce((a, b) => a + b, 0));
  },
});
