import { describe, expect, it } from 'vitest';
import { float64Field as F } from '../field/index.js';
import { Rng } from '../field/random.js';
import { datasetIn, networkIn, randomDataset, randomNetwork } from '../network/index.js';
import { applySymmetry, symmetryMap, type Symmetry } from '../symmetry/index.js';
import { shapeOf } from '../network/types.js';
import { metricContext, type MetricContext } from './contract.js';
import { curvatureStarts, largestNoiseScale, meanLossIncrease, normalDraws } from './estimators.js';

const net = networkIn(F, randomNetwork({ inputSize: 3, hidden: [4, 3], outputSize: 2, activation: 'relu', bias: true }, 31));
const data = datasetIn(F, randomDataset({ inputSize: 3, outputSize: 2, samples: 6, loss: 'mse' }, 32));

/** max_i |a_i − b_i| / max|b| */
const relativeGap = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!))) / Math.max(...b.map(Math.abs));

describe('curvatureStarts moves with the symmetries', () => {
  const startsAt = async (network: typeof net, halfWidths: (theta: number[]) => number[]) => {
    const ctx = await metricContext(network, data);
    return curvatureStarts(ctx, halfWidths(ctx.theta));
  };
  const adaptive = (theta: number[]) => theta.map((t) => 0.05 * Math.abs(t));

  it('a permutation of hidden units permutes the starts', async () => {
    const sym: Symmetry = { kind: 'permutation', layer: 1, perm: [2, 0, 3, 1] };
    const map = symmetryMap(F, shapeOf(net), sym);
    const [before] = await startsAt(net, adaptive);
    const [after] = await startsAt(applySymmetry(F, net, sym), adaptive);
    expect(relativeGap(after!, map.source.map((s) => before![s]!))).toBeLessThan(1e-9);
  });

  it('a power-of-two layer-scale multiplies adaptive starts by the same scales', async () => {
    const sym: Symmetry = { kind: 'layer-scale', alphas: [4, 1 / 8, 2] };
    const map = symmetryMap(F, shapeOf(net), sym);
    const [before] = await startsAt(net, adaptive);
    const [after] = await startsAt(applySymmetry(F, net, sym), adaptive);
    expect(relativeGap(after!, map.source.map((s, i) => map.scale[i]! * before![s]!))).toBeLessThan(1e-9);
  });

  it('and isotropic starts do not follow the scaling (the control)', async () => {
    const sym: Symmetry = { kind: 'layer-scale', alphas: [4, 1 / 8, 2] };
    const map = symmetryMap(F, shapeOf(net), sym);
    const ones = (theta: number[]) => theta.map(() => 1);
    const [before] = await startsAt(net, ones);
    const [after] = await startsAt(applySymmetry(F, net, sym), ones);
    expect(relativeGap(after!, map.source.map((s, i) => map.scale[i]! * before![s]!))).toBeGreaterThan(0.1);
  });
});

describe('Monte-Carlo perturbation estimates', () => {
  // A quadratic loss ½‖θ‖²: E[L(θ + w∘ξ)] − L(θ) over antithetic pairs is ½ mean Σ w_i² ξ_i², known in closed form.
  const theta = [1, -2, 3];
  const quadratic = { theta, loss: (t: readonly number[] = theta) => t.reduce((s, x) => s + x * x, 0) / 2, random: new Rng(5) } as unknown as MetricContext;
  const draws = normalDraws(quadratic, 16, theta.length);
  const exact = (widths: number[]) => draws.reduce((s, xi) => s + xi.reduce((a, x, i) => a + (widths[i]! * x) ** 2, 0) / 2, 0) / draws.length;

  it('meanLossIncrease is the exact quadratic form for a quadratic loss', () => {
    const widths = [0.1, 0.2, 0.3];
    expect(Math.abs(meanLossIncrease(quadratic, widths, draws) - exact(widths))).toBeLessThan(1e-12);
  });

  it('largestNoiseScale finds σ with σ²·c = target, to its bisection width', () => {
    const c = exact([1, 1, 1]);
    const sigma = largestNoiseScale(quadratic, [1, 1, 1], draws, 0.1);
    // Bisection in log₂σ over a 50-wide bracket, 16 halvings: |log₂σ − log₂σ*| ≤ 50·2⁻¹⁶.
    expect(Math.abs(Math.log2(sigma) - Math.log2(Math.sqrt(0.1 / c)))).toBeLessThanOrEqual(50 * 2 ** -16);
    expect(meanLossIncrease(quadratic, [sigma, sigma, sigma], draws)).toBeLessThanOrEqual(0.1);
  });
});
