import { defineMetric } from '../contract.js';
import { float64Field } from '../../field/float64.js';
import { lossGradientV2 } from '../../autodiff/v2.js';
import { parseDataset } from '../../network/json.js';
import { parseNetworkV2 } from '../../network/json-v2.js';
import { datasetIn } from '../../network/index.js';
import { networkV2In } from '../../network/v2.js';

/**
 * Fisher–Rao norm, empirical: mean over samples of ⟨θ, ∇_θ ℓ_s(θ)⟩². For any
 * linear symmetry S, ⟨Sθ, S⁻ᵀ∇ℓ_s⟩ = ⟨θ, ∇ℓ_s⟩: invariant under all three. Under
 * the logit shift θ + d, ⟨d, ∇ℓ_s⟩ = 0 for each sample (ℓ_s itself is constant
 * along d): invariant too, on any architecture.
 */
export default defineMetric({
  id: 'fisher-rao-norm',
  title: 'Fisher–Rao norm E[⟨θ, ∇ℓ⟩²]',
  reference: 'Liang, Poggio, Rakhlin & Stokes 2019',
  claims: { invariant: ['layer-scale', 'neuron-scale', 'permutation'] },
  evaluate: (ctx) => {
    const net = networkV2In(float64Field, parseNetworkV2(ctx.network));
    const data = datasetIn(float64Field, parseDataset(ctx.dataset));
    const total = data.inputs.reduce((sum, x, s) => {
      const one = data.loss === 'mse' ? { loss: 'mse' as const, inputs: [x], targets: [data.targets[s]!] } : { loss: 'cross-entropy' as const, inputs: [x], targets: [data.targets[s]!] };
      const g = lossGradientV2(float64Field, net, one);
      const inner = g.reduce((acc, gi, i) => acc + gi * ctx.theta[i]!, 0);
      return sum + inner * inner;
    }, 0);
    return total / data.inputs.length;
  },
});
