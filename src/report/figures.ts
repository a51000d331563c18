/**
 * The proof report's figures: the data are computed here, in process, from a
 * seeded teacher–student minimum (L = 0 and ∇L = 0 exactly, docs/theory.md §3),
 * and drawn as Vega-Lite specifications rendered to SVG by charts.ts.
 *
 * - curvature: |||∇²L(T_α θ)|||₂ and Tr ∇²L(T_α θ) against α (Theorems 3–4),
 *   with the theory's asymptotes α²·|||H₂₂|||₂ and α⁻²·|||H₁₁|||₂;
 * - sharpness: ε-sharpness in the ball and in Keskar's box against α (§4.3);
 * - figure5: one line through the minimum, its loss in θ and in two
 *   coordinates η = g⁻¹(θ) of the paper's Figure 5 map (§5): one sharp, one flat;
 * - the conformance heat map lives in conformance.ts.
 */
import { float64Field as F } from '../field/float64.js';
import { datasetIn, networkIn, type NetworkSpec } from '../network/index.js';
import { flatten, loss, parameterOffsets, shapeOf, unflatten, type Dataset, type Network } from '../network/index.js';
import { seededMinimum } from '../arbitraries/minima.js';
import { lossHessian } from '../autodiff/derivatives.js';
import { block, denseHvp, denseTrace, dot, powerIteration, spectralNorm } from '../curvature/spectral.js';
import { applySymmetry } from '../symmetry/index.js';
import { float64Oracle, maximiseSharpness } from '../sharpness/index.js';
import { figure5, hessianInEta } from '../reparam/index.js';
import type { VegaLiteSpec } from '../output/charts.js';

/** The figures' network: the paper's setting — one hidden ReLU layer, no biases, a linear output. */
export const FIGURE_NETWORK: NetworkSpec = { inputSize: 3, hidden: [4], outputSize: 2, activation: 'relu', bias: false };
export const FIGURE_SAMPLES = 8;

export interface FigureMinimum {
  seed: number;
  net: Network<number>;
  data: Dataset<number>;
}

/** The seeded minimum every figure is drawn at (float64 copies of an exactly labelled teacher). */
export function figureMinimum(seed: number, spec: NetworkSpec = FIGURE_NETWORK, samples = FIGURE_SAMPLES): FigureMinimum {
  const { network, dataset } = seededMinimum(spec, samples, seed);
  return { seed, net: networkIn(F, network), data: datasetIn(F, dataset) };
}

const layerScale = (alpha: number) => ({ kind: 'layer-scale' as const, alphas: [alpha, 1 / alpha] });
/** α = 2^(k/steps) for k = −range·steps … range·steps: powers of two are exact scalings in floats. */
export const alphaGrid = (range: number, stepsPerOctave: number) =>
  Array.from({ length: 2 * range * stepsPerOctave + 1 }, (_, i) => 2 ** ((i - range * stepsPerOctave) / stepsPerOctave));

// ---------------------------------------------------------------------------------------------
// (a) curvature against α

export interface CurvaturePoint {
  alpha: number;
  spectralNorm: number;
  trace: number;
}

export interface CurvatureFigure {
  network: string;
  points: CurvaturePoint[];
  /** At α = 1: the first layer's block H₁₁ and the second layer's H₂₂ (H' = D⁻¹HD⁻¹ scales them by α⁻², α²). */
  blocks: { firstLayerNorm: number; secondLayerNorm: number; crossNorm: number };
}

function describeNetwork(net: Network<number>, data: Dataset<number>): string {
  const s = shapeOf(net);
  return `${[s.inputSize, ...s.sizes].join('–')} ${s.activations[0]}, ${s.hasBias.some((b) => b) ? 'with' : 'no'} biases, ${flatten(net).length} parameters, ${data.inputs.length} samples`;
}

/** The Hessian split at the layer boundary: ‖H₁₁‖₂, ‖H₂₂‖₂ and ‖[[0, H₁₂], [H₂₁, 0]]‖₂ = ‖H₁₂‖₂. */
export function hessianBlocks(net: Network<number>, H: number[][]): CurvatureFigure['blocks'] {
  const split = parameterOffsets(shapeOf(net)).weightOffset[1]!;
  const cross = H.map((row, i) => row.map((h, j) => ((i < split) !== (j < split) ? h : 0)));
  return { firstLayerNorm: spectralNorm(block(H, 0, split)), secondLayerNorm: spectralNorm(block(H, split, H.length)), crossNorm: spectralNorm(cross) };
}

export function curvatureFigure(m: FigureMinimum, alphas = alphaGrid(8, 2)): CurvatureFigure {
  const points = alphas.map((alpha) => {
    const H = lossHessian(F, applySymmetry(F, m.net, layerScale(alpha)), m.data);
    return { alpha, spectralNorm: spectralNorm(H), trace: denseTrace(H) };
  });
  return { network: describeNetwork(m.net, m.data), points, blocks: hessianBlocks(m.net, lossHessian(F, m.net, m.data)) };
}

/** A log₁₀ axis with one tick per decade spanned by `values`. */
function logAxis(field: string, title: string, values: readonly number[]) {
  const [lo, hi] = [Math.floor(Math.log10(Math.min(...values))), Math.ceil(Math.log10(Math.max(...values)))];
  const decades = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  return { field, type: 'quantitative' as const, title, scale: { type: 'log' as const, base: 10 }, axis: { values: decades, format: '.0e' } };
}
/** A data point's tooltip (an SVG <title> in the report page, from vega's aria description): its series and values at full precision. */
const pointTooltip = (x: string, xTitle: string, y: string, yTitle: string) => [
  { field: 'series', type: 'nominal' as const, title: 'series' },
  { field: x, type: 'quantitative' as const, title: xTitle, format: '.6~g' },
  { field: y, type: 'quantitative' as const, title: yTitle, format: '.6~g' },
];

/** α on a log₂ axis, labelled 2^k. */
const alphaAxis = {
  field: 'alpha', type: 'quantitative' as const, title: 'α  (T_α θ = (α·W₁, W₂/α)), log scale',
  scale: { type: 'log' as const, base: 2 }, axis: { values: alphaGrid(8, 0.5), labelExpr: "'2^' + format(log(datum.value) / LN2, 'd')" },
};

export function curvatureSpec(fig: CurvatureFigure): VegaLiteSpec {
  const data = fig.points.flatMap((p) => [
    { alpha: p.alpha, value: p.spectralNorm, series: 'spectral norm |||∇²L|||₂' },
    { alpha: p.alpha, value: p.trace, series: 'trace Tr ∇²L' },
  ]);
  // Each asymptote is drawn over the half of the range where it is one (and a little beyond α = 1).
  const [low, high] = [fig.points[0]!.alpha, fig.points[fig.points.length - 1]!.alpha];
  const reference = [
    ...[Math.max(low, 1 / 8), high].map((alpha) => ({ alpha, value: alpha ** 2 * fig.blocks.secondLayerNorm, series: 'α²·|||H₂₂|||₂ (slope +2)' })),
    ...[low, Math.min(high, 8)].map((alpha) => ({ alpha, value: alpha ** -2 * fig.blocks.firstLayerNorm, series: 'α⁻²·|||H₁₁|||₂ (slope −2)' })),
  ];
  const y = logAxis('value', 'curvature at T_α θ (log scale)', [...data, ...reference].map((d) => d.value));
  return {
    title: { text: 'Theorem 4: the Hessian at T_α θ against α, log–log', subtitle: `same function for every α; ${fig.network}` },
    width: 520,
    height: 360,
    layer: [
      { data: { values: reference }, mark: { type: 'line', strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { x: alphaAxis, y, color: { field: 'series', type: 'nominal', title: null }, detail: { field: 'series' } } },
      { data: { values: data }, mark: { type: 'line', point: false, strokeWidth: 1 }, encoding: { x: alphaAxis, y, color: { field: 'series', type: 'nominal', title: null } } },
      { data: { values: data }, mark: { type: 'point', filled: true, size: 30 }, encoding: { x: alphaAxis, y, color: { field: 'series', type: 'nominal', title: null }, tooltip: pointTooltip('alpha', 'α', 'value', 'curvature') } },
    ],
    config: { legend: { orient: 'bottom', columns: 2, labelLimit: 300, symbolType: 'stroke' } },
  } as VegaLiteSpec;
}

// ---------------------------------------------------------------------------------------------
// (b) ε-sharpness against α

export interface SharpnessPoint {
  alpha: number;
  ball: number;
  box: number;
  /** The small-ε prediction |||∇²L|||₂ ε² / (2(1 + L)) (docs/theory.md §2). */
  quadratic: number;
}

export interface SharpnessFigure {
  network: string;
  epsilon: number;
  points: SharpnessPoint[];
}

/** Projected gradient ascent started along the top eigenvector too (at a minimum ∇L = 0: plain ascent from z = 0 cannot move). */
export function sharpnessFigure(m: FigureMinimum, epsilon = 1e-3, alphas = alphaGrid(8, 1)): SharpnessFigure {
  const points = alphas.map((alpha) => {
    const moved = applySymmetry(F, m.net, layerScale(alpha));
    const theta = flatten(moved);
    const H = lossHessian(F, moved, m.data);
    const top = powerIteration(denseHvp(H), theta.length, { seed: m.seed }).vector!;
    const oracle = float64Oracle(moved, m.data);
    const opts = { seed: m.seed, startDirections: [top, top.map((x) => -x)] };
    const ball = maximiseSharpness(oracle, theta, { kind: 'ball', epsilon }, opts).value;
    const box = maximiseSharpness(oracle, theta, { kind: 'box', epsilon }, opts).value;
    return { alpha, ball, box, quadratic: (spectralNorm(H) * epsilon ** 2) / (2 * (1 + loss(F, moved, m.data))) };
  });
  return { network: describeNetwork(m.net, m.data), epsilon, points };
}

export function sharpnessSpec(fig: SharpnessFigure): VegaLiteSpec {
  const data = fig.points.flatMap((p) => [
    { alpha: p.alpha, value: p.ball, series: 'ball: max over ‖z‖₂ ≤ ε' },
    { alpha: p.alpha, value: p.box, series: "Keskar's box ×100: |z_i| ≤ ε(|θ_i| + 1)" },
  ]);
  const quadratic = fig.points.map((p) => ({ alpha: p.alpha, value: p.quadratic, series: '|||∇²L|||₂ ε²/2(1+L) (small-ε prediction)' }));
  const y = logAxis('value', 'ε-sharpness at T_α θ (log scale)', [...data, ...quadratic].map((d) => d.value));
  const color = { field: 'series', type: 'nominal' as const, title: null };
  return {
    title: { text: `Section 4.3: ε-sharpness at T_α θ against α (ε = ${fig.epsilon}), log–log`, subtitle: `lower bounds from projected gradient ascent; ${fig.network}` },
    width: 520,
    height: 360,
    layer: [
      { data: { values: quadratic }, mark: { type: 'line', strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { x: alphaAxis, y, color } },
      { data: { values: data }, mark: { type: 'line', strokeWidth: 1 }, encoding: { x: alphaAxis, y, color } },
      { data: { values: data }, mark: { type: 'point', filled: true, size: 30 }, encoding: { x: alphaAxis, y, color, tooltip: pointTooltip('alpha', 'α', 'value', 'ε-sharpness') } },
    ],
    config: { legend: { orient: 'bottom', columns: 1, labelLimit: 400, symbolType: 'stroke' } },
  } as VegaLiteSpec;
}

// ---------------------------------------------------------------------------------------------
// (c) the paper's Figure 5: one minimum, flat or sharp depending on the coordinates

export interface Figure5Map {
  name: string;
  a: number;
  b: number;
  /** d²L/ds² at the minimum along the line, in these coordinates: vᵀ J_gᵀ H J_g v = b^(−2a)·vᵀHv. */
  curvature: number;
}

export interface Figure5Point {
  /** θ = θ̂ + t·v. */
  t: number;
  /** L(θ), computed once and shared by every parametrisation. */
  loss: number;
  /** The coordinate along v of η = g⁻¹(θ), one per map (same order as `maps`). */
  eta: number[];
}

export interface Figure5 {
  network: string;
  /** The unit direction v: the top eigenvector of ∇²L(θ̂). */
  direction: number[];
  /** vᵀ ∇²L(θ̂) v: the curvature along the line in θ. */
  curvature: number;
  maps: Figure5Map[];
  points: Figure5Point[];
}

/**
 * Two Figure 5 maps η = (‖θ − θ̂‖² + b)^a (θ − θ̂) with b = 1/64: a = 1/2 multiplies
 * the curvature at θ̂ by b^(−1) = 64 (sharp), a = −1/4 by b^(1/2) = 1/8 (flat);
 * both move t = ±1 to η ≈ ±1, so the three curves share their ends.
 */
export const FIGURE5_MAPS = [
  { name: 'η, a = 1/2, b = 1/64 (sharp)', a: 0.5, b: 1 / 64 },
  { name: 'η, a = −1/4, b = 1/64 (flat)', a: -0.25, b: 1 / 64 },
] as const;

export function figure5Figure(m: FigureMinimum, count = 41): Figure5 {
  const centre = flatten(m.net);
  const H = lossHessian(F, m.net, m.data);
  const v = powerIteration(denseHvp(H), centre.length, { seed: m.seed }).vector!;
  const curvature = dot(v, denseHvp(H)(v));
  const maps = FIGURE5_MAPS.map(({ name, a, b }) => {
    const g = figure5(centre, a, b);
    const Heta = hessianInEta(F, g, g.toEta(centre), H);
    return { name, a, b, g, curvature: dot(v, denseHvp(Heta)(v)) };
  });
  const points = Array.from({ length: count }, (_, i) => {
    const t = -1 + (2 * i) / (count - 1);
    const theta = centre.map((c, j) => c + t * v[j]!);
    return { t, loss: loss(F, unflatten(m.net, theta), m.data), eta: maps.map(({ g }) => dot(g.toEta(theta), v)) };
  });
  return { network: describeNetwork(m.net, m.data), direction: v, curvature, maps: maps.map(({ name, a, b, curvature: c }) => ({ name, a, b, curvature: c })), points };
}

export function figure5Spec(fig: Figure5): VegaLiteSpec {
  const format = (x: number) => (x >= 10 ? x.toFixed(0) : x.toPrecision(2));
  const theta = `θ = θ* + t·v  (curvature ${format(fig.curvature)})`;
  const data = fig.points.flatMap((p) => [
    { coordinate: p.t, loss: p.loss, series: theta },
    ...fig.maps.map((m, k) => ({ coordinate: p.eta[k]!, loss: p.loss, series: `${m.name}  (curvature ${format(m.curvature)})` })),
  ]);
  const x = { field: 'coordinate', type: 'quantitative' as const, title: 'coordinate along v through θ* (t in θ, or η·v in η)' };
  const y = { field: 'loss', type: 'quantitative' as const, title: 'L (the same values in every coordinate system)' };
  const color = { field: 'series', type: 'nominal' as const, title: null };
  return {
    title: { text: 'Figure 5 (Section 5): one minimum, sharp or flat depending on the parametrisation', subtitle: [`L along the top Hessian eigenvector v at the minimum θ*, in θ and in η = (‖θ − θ*‖² + b)^a (θ − θ*)`, fig.network] },
    width: 520,
    height: 360,
    layer: [
      { data: { values: data }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color, order: { field: 'coordinate' } } },
      { data: { values: data }, mark: { type: 'point', filled: true, size: 20 }, encoding: { x, y, color, tooltip: pointTooltip('coordinate', 'coordinate', 'loss', 'L') } },
    ],
    config: { legend: { orient: 'bottom', columns: 1, labelLimit: 400, symbolType: 'stroke' } },
  } as VegaLiteSpec;
}
