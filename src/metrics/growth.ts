/** Whether a metric that is not invariant under a family is unbounded on it: its growth along one-parameter paths of symmetries. */
import { float64Field } from '../field/float64.js';
import type { Dataset, Network } from '../network/types.js';
import { isV1, type AnyNetwork, type NetworkV2 } from '../network/v2.js';
import { applySymmetry, applySymmetryV2, symmetriesOf, symmetryAt, type Symmetry, type SymmetryV2 } from '../symmetry/index.js';
import { KinkError } from '../field/errors.js';
import type { Family } from './contract.js';
import { MetricFailure, type Evaluate } from './evaluate.js';

/**
 * One-parameter paths t ↦ S_t through the family: layer-scale with
 * α_a = 2^t, α_b = 2^-t for every pair of layers a < b (t of both signs
 * covers b, a); neuron-scale with c_j = 2^t on each hidden unit j. A metric
 * is unbounded when, on some path, |m| reaches 1e6 × max(|m(θ)|, the case's
 * tolerance) somewhere on the grid |t| ≤ 40.
 */
function paths(family: Family, net: Network<number>): ((t: number) => Symmetry)[] {
  const K = net.layers.length;
  const out: ((t: number) => Symmetry)[] = [];
  if (family === 'layer-scale') {
    for (let a = 0; a < K; a++) for (let b = a + 1; b < K; b++) out.push((t) => ({ kind: 'layer-scale', alphas: Array.from({ length: K }, (_, k) => (k === a ? 2 ** t : k === b ? 2 ** -t : 1)) }));
  } else {
    net.layers.slice(0, -1).forEach((layer, h) =>
      layer.weights.forEach((_, j) => out.push((t) => ({ kind: 'neuron-scale', layer: h + 1, scales: layer.weights.map((__, i) => (i === j ? 2 ** t : 1)) }))),
    );
  }
  return out;
}

/**
 * The same for a layered network, one path per site of the family
 * (symmetriesOf): every scale of the site at 2^t (layer-scale: one layer's
 * proposal at 2^t, the layers the architecture constrains fitted to it); a
 * logit shift of ±(2^{|t|/2} − 1) on every coordinate (up to about 10^6).
 * A metric that grows along one channel's scale grows along the whole site's.
 */
function layeredPaths(family: Family, net: NetworkV2<number>, loss: Dataset<number>['loss']): ((t: number) => SymmetryV2)[] {
  return symmetriesOf(net, loss)
    .filter((s) => s.kind === family)
    .flatMap((site): ((t: number) => SymmetryV2)[] => {
      const n = site.space.count;
      if (site.kind === 'logit-shift') return [(t) => symmetryAt(net, site, new Array<number>(n).fill(Math.sign(t) * (2 ** (Math.abs(t) / 2) - 1)))];
      if (site.kind === 'layer-scale') return Array.from({ length: n }, (_, j) => (t: number) => symmetryAt(net, site, Array.from({ length: n }, (_, i) => (i === j ? 2 ** t : 1))));
      return [(t) => symmetryAt(net, site, new Array<number>(n).fill(2 ** t))];
    });
}

const PATH_GRID = [-40, -32, -24, -16, -8, 0, 8, 16, 24, 32, 40];

/** The path along which |m| grows most; a point where the metric fails (throws, NaN, a kink, a time-out) is left out. */
export async function growthPath(run: Evaluate, family: Family, net: AnyNetwork<number>, data: Dataset<number>, scale: number) {
  const moved = isV1(net) ? paths(family, net).map((p) => (t: number) => applySymmetry(float64Field, net, p(t))) : layeredPaths(family, net, data.loss).map((p) => (t: number) => applySymmetryV2(float64Field, net, p(t)));
  const along = async (path: (t: number) => AnyNetwork<number>) => {
    const values: { t: number; value: number }[] = [];
    for (const t of PATH_GRID) {
      try {
        values.push({ t, value: (await run(path(t), data)).value });
      } catch (e) {
        if (!(e instanceof MetricFailure || e instanceof KinkError)) throw e;
      }
    }
    return values;
  };
  let best = { values: [] as { t: number; value: number }[], size: -1 };
  for (const path of moved) {
    const values = await along(path);
    const size = Math.max(-1, ...values.map((v) => Math.abs(v.value)));
    if (size > best.size) best = { values, size };
  }
  return { values: best.values, unbounded: best.size >= 1e6 * scale && best.size > 0 };
}
