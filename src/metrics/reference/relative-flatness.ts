import { defineMetric } from '../contract.js';
import { parameterOffsets } from '../../network/flat.js';
import { parseNetwork } from '../../network/json.js';
import { shapeOf } from '../../network/types.js';

/**
 * Relative flatness of the output layer (the weights on the penultimate
 * features): κ = Σ_{s,s'} ⟨w_s, w_s'⟩ · Tr H_{s,s'}, w_s the weights into
 * output s, H_{s,s'} the Hessian block between w_s and w_s'. Layer-scale
 * multiplies w by α and H's block by α⁻², so κ is invariant; scaling hidden
 * units that feed the layer is not cancelled in general.
 */
export default defineMetric({
  id: 'relative-flatness',
  title: 'Relative flatness of the output layer',
  reference: 'Petzka, Kamp, Adilova, Sminchisescu & Boley 2021',
  claims: { invariant: ['layer-scale', 'permutation'] },
  // It reads the layers of an MLP (flatcheck.network/v1): on conv and residual nets the battery does not run it.
  architectures: ['mlp'],
  evaluate: (ctx) => {
    const shape = shapeOf(parseNetwork(ctx.network));
    const K = shape.sizes.length - 1;
    const { weightOffset, fanIn } = parameterOffsets(shape);
    const n = fanIn[K]!;
    const rows = shape.sizes[K]!;
    const at = (s: number, j: number) => weightOffset[K]! + s * n + j;
    const H = ctx.hessian();
    let kappa = 0;
    for (let s = 0; s < rows; s++) {
      for (let t = 0; t < rows; t++) {
        let inner = 0;
        let trace = 0;
        for (let j = 0; j < n; j++) {
          inner += ctx.theta[at(s, j)]! * ctx.theta[at(t, j)]!;
          trace += H[at(s, j)]![at(t, j)]!;
        }
        kappa += inner * trace;
      }
    }
    return kappa;
  },
});
