// The battery's noise floors (docs/metrics.md, Precision): per metric and family, over 200 drawn cases (seed 1), the largest |m(Sθ) − m(θ)| / |m(θ)| and the median and least tolerance / |m(θ)|. Run: npx tsx bench/noise-floors.ts
// (relative flatness under neuron-scale and the Hessian trace under both scalings are not invariant: their rows show the change the battery catches.)
import fc from 'fast-check';
import { float64Field } from '../src/field/float64.js';
import { symmetryCase } from '../src/arbitraries/cases.js';
import { networkArbitrary } from '../src/arbitraries/network.js';
import { rawDatasetArbitrary } from '../src/arbitraries/dataset.js';
import { rawSymmetryArbitrary } from '../src/arbitraries/symmetry.js';
import { inProcess } from '../src/metrics/evaluate.js';
import { defineMetric, type Metric } from '../src/metrics/contract.js';
import { loadRegistry } from '../src/metrics/registry.js';
import { perturbationAllowance, roundingAllowance, unitRoundoff } from '../src/metrics/tolerance.js';
const tfLoss = defineMetric({ id: 'tf-loss (ctx.tf)', evaluate: (ctx) => ctx.tf.tf.tidy(() => ctx.tf.loss(ctx.tf.theta).dataSync()[0]!) });
const reg = await loadRegistry();
const metrics: Metric[] = [...['loss', 'path-norm', 'relative-flatness', 'hessian-trace'].map((id) => reg.find((m) => m.id === id)!), tfLoss];
for (const m of metrics) {
  const run = inProcess(m);
  for (const family of ['permutation', 'layer-scale', 'neuron-scale'] as const) {
    const arb = fc.tuple(networkArbitrary({ weights: 'dyadic', maxHidden: 2, maxWidth: 4, maxInput: 3, maxOutput: 2, activations: ['relu', 'leaky-relu'] }), rawDatasetArbitrary({ values: 'dyadic', minSamples: 2, maxSamples: 4 }), rawSymmetryArbitrary({ kinds: [family], scales: 'float', decades: 2 }));
    const rel: number[] = [], tol: number[] = [];
    let u = 0;
    for (const [raw, rd, rs] of fc.sample(arb, { numRuns: 200, seed: 1 })) {
      try {
        const c = symmetryCase(float64Field, raw, rd, rs);
        const first = await run(c.net, c.data);
        const a = (await run(c.transformed, c.data)).value;
        u = unitRoundoff(first);
        const t = roundingAllowance(c.net, c.data, first.value, a, u) + (await perturbationAllowance(run, c, first.value, u));
        const scale = Math.max(Math.abs(first.value), 1e-300);
        rel.push(Math.abs(a - first.value) / scale); tol.push(t / scale);
      } catch { /* kinks */ }
    }
    const s = (xs: number[]) => [...xs].sort((x, y) => x - y);
    console.log(`${m.id.padEnd(20)} ${family.padEnd(13)} u=${u.toExponential(1)} max|Δ|/|m|=${s(rel).at(-1)!.toExponential(2)}  tolerance/|m| median=${s(tol)[tol.length >> 1]!.toExponential(2)} min=${s(tol)[0]!.toExponential(2)}`);
  }
}
