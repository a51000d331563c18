import { describe, expect, it } from 'vitest';
import { FLOAT64_UNIT_ROUNDOFF as u, float64Field as F } from '../field/float64.js';
import { DEFAULT_SEED } from '../field/random.js';
import { flatten, loss, unflatten } from '../network/index.js';
import { lossGradient } from '../autodiff/derivatives.js';
import { figure5 } from '../reparam/index.js';
import { renderSvg } from '../output/charts.js';
import { alphaGrid, curvatureFigure, curvatureSpec, figure5Figure, figure5Spec, figureMinimum, sharpnessFigure, sharpnessSpec, type CurvatureFigure } from './figures.js';

const m = figureMinimum(DEFAULT_SEED);
const count = (svg: string, role: string) => [...svg.matchAll(new RegExp(`aria-roledescription="${role}"`, 'g'))].length;
const norm = (v: readonly number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/**
 * H(α) = α²·B₂₂ + C + α⁻²·B₁₁ (B's the diagonal blocks, C the cross block, at α = 1), so
 * |f(α) − g(α)| ≤ e(α) for the dominant term g and the rest e; then |log f − log g| ≤ −log(1 − e/g)
 * at each end, and the log–log slope between two grid points is ±2 within the sum over the span.
 */
function slopeWithBound(points: { alpha: number; value: number; dominant: number; rest: number }[]) {
  const [a, b] = points;
  const slope = Math.log(b!.value / a!.value) / Math.log(b!.alpha / a!.alpha);
  const bound = points.reduce((s, p) => s - Math.log(1 - p.rest / p.dominant), 0) / Math.abs(Math.log(b!.alpha / a!.alpha));
  return { slope, bound };
}

describe('figure data follow the theory', () => {
  const fig: CurvatureFigure = curvatureFigure(m, alphaGrid(8, 1));
  const { firstLayerNorm: n1, secondLayerNorm: n2, crossNorm: c } = fig.blocks;

  it('the Hessian spectral norm has log–log slope +2 at large α and −2 at small α, within the bound the blocks give', () => {
    const last = fig.points.slice(-2).map((p) => ({ alpha: p.alpha, value: p.spectralNorm, dominant: p.alpha ** 2 * n2, rest: c + p.alpha ** -2 * n1 }));
    const first = fig.points.slice(0, 2).map((p) => ({ alpha: p.alpha, value: p.spectralNorm, dominant: p.alpha ** -2 * n1, rest: c + p.alpha ** 2 * n2 }));
    const high = slopeWithBound(last);
    const low = slopeWithBound(first);
    expect(high.bound).toBeLessThan(0.01); // the bound is informative at α = 2^8
    expect(Math.abs(high.slope - 2)).toBeLessThanOrEqual(high.bound);
    expect(Math.abs(low.slope + 2)).toBeLessThanOrEqual(low.bound);
  });

  it('the trace is α⁻²A + α²B (block traces, PSD at a minimum, no biases): its slope is ±2 within 4·Tr(1)/Tr(α)', () => {
    // d log Tr / d log α = 2 − 4α⁻²A/Tr(α) above α = 1 (and symmetrically below), A ≤ Tr(1): the secant slope obeys the bound at its inner end.
    const at = (k: number) => fig.points[k]!;
    const one = at(8).trace;
    const n = fig.points.length;
    const high = Math.log(at(n - 1).trace / at(n - 2).trace) / Math.log(at(n - 1).alpha / at(n - 2).alpha);
    const low = Math.log(at(1).trace / at(0).trace) / Math.log(at(1).alpha / at(0).alpha);
    expect(Math.abs(high - 2)).toBeLessThanOrEqual((4 * one) / at(n - 2).trace);
    expect(Math.abs(low + 2)).toBeLessThanOrEqual((4 * one) / at(1).trace);
  });

  it('ε-sharpness, in the ball and in Keskar\'s box, grows along the orbit in both directions', () => {
    const fig = sharpnessFigure(m, 1e-3, [2 ** -6, 1, 2 ** 6]);
    const [low, mid, high] = fig.points;
    for (const key of ['ball', 'box'] as const) {
      expect(low![key]).toBeGreaterThan(mid![key]);
      expect(high![key]).toBeGreaterThan(mid![key]);
    }
  });

  it('Figure 5: every η point maps back (g) to the θ point it came from, with the same loss; curvature scales by b^(−2a)', () => {
    const fig = figure5Figure(m, 11);
    const centre = flatten(m.net);
    const v = fig.direction;
    fig.maps.forEach((map, k) => {
      const g = figure5(centre, map.a, map.b);
      for (const p of fig.points) {
        const theta = centre.map((c0, j) => c0 + p.t * v[j]!);
        const back = g.toTheta(v.map((x) => x * p.eta[k]!));
        const moved = norm(back.map((x, j) => x - theta[j]!));
        // Bisection and scaling in floats: a few ulps of ‖θ‖; the loss moves by at most ‖∇L‖·‖Δθ‖ to first order.
        expect(moved).toBeLessThanOrEqual(8 * u * theta.length * norm(theta));
        const grad = norm(lossGradient(F, unflatten(m.net, theta), m.data));
        expect(Math.abs(loss(F, unflatten(m.net, back), m.data) - p.loss)).toBeLessThanOrEqual(2 * grad * moved + 8 * u * theta.length * (p.loss + 1));
      }
      expect(Math.abs(map.curvature / fig.curvature - map.b ** (-2 * map.a))).toBeLessThanOrEqual(64 * u * centre.length * map.b ** (-2 * map.a));
    });
    // One sharper, one flatter than θ itself.
    expect(fig.maps[0]!.curvature).toBeGreaterThan(fig.curvature);
    expect(fig.maps[1]!.curvature).toBeLessThan(fig.curvature);
  });
});

describe('figure SVGs draw one mark per plotted datum', () => {
  it('curvature: two points per α, four lines (two series, two asymptotes)', async () => {
    const fig = curvatureFigure(m, alphaGrid(2, 1));
    const svg = await renderSvg(curvatureSpec(fig));
    expect(count(svg, 'point')).toBe(2 * fig.points.length);
    expect(count(svg, 'line mark')).toBe(4);
    expect(svg).toContain('>2^−2<'); // Vega's d format writes a true minus sign
    expect(svg).toContain('>2^2<');
  });

  it('sharpness: two points per α and three lines; Figure 5: one point per curve and datum', async () => {
    const s = sharpnessFigure(m, 1e-3, [0.5, 1, 2]);
    const svg = await renderSvg(sharpnessSpec(s));
    expect(count(svg, 'point')).toBe(2 * s.points.length);
    expect(count(svg, 'line mark')).toBe(3);
    const f = figure5Figure(m, 7);
    const svg5 = await renderSvg(figure5Spec(f));
    expect(count(svg5, 'point')).toBe(f.points.length * (1 + f.maps.length));
    expect(count(svg5, 'line mark')).toBe(1 + f.maps.length);
  });
});
