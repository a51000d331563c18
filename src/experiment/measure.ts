/**
 * The sharpness measures of the Keskar experiment, on the training loss:
 * Keskar's box ε-sharpness (×100) at ε = 1e-3 and 5e-4, in the full space
 * and in a seeded random subspace, each maximised by projected gradient
 * ascent and by the projected quasi-Newton method (both lower bounds: the
 * larger is reported, and which method found it); the Hessian spectral norm,
 * trace and top eigenvalues (float64 closed form). And the registry's
 * invariant metrics, with a tolerance derived as the conformance battery does.
 */
import { float64Field, FLOAT64_UNIT_ROUNDOFF as u } from '../field/float64.js';
import { flatten } from '../network/flat.js';
import type { Network } from '../network/types.js';
import { lossHessian } from '../autodiff/derivatives.js';
import { denseHvp, denseTrace, powerIteration, symmetricEigenvalues } from '../curvature/spectral.js';
import { float64Oracle, maximiseSharpness, maximiseSharpnessQuasiNewton, randomSubspace, type SharpnessRegion } from '../sharpness/index.js';
import { floatSymmetryPerturbation, type Symmetry } from '../symmetry/index.js';
import { inProcess, loadRegistry, perturbationAllowance, roundingAllowance, type Family, type Metric } from '../metrics/index.js';
import type { Classification } from './data.js';

export type MeasureId = 'keskar-full-1e-3' | 'keskar-full-5e-4' | 'keskar-subspace-1e-3' | 'keskar-subspace-5e-4' | 'hessian-spectral-norm' | 'hessian-trace';

interface KeskarMeasure {
  id: MeasureId;
  epsilon: number;
  subspace: boolean;
}

export const KESKAR_MEASURES: readonly KeskarMeasure[] = [
  { id: 'keskar-full-1e-3', epsilon: 1e-3, subspace: false },
  { id: 'keskar-full-5e-4', epsilon: 5e-4, subspace: false },
  { id: 'keskar-subspace-1e-3', epsilon: 1e-3, subspace: true },
  { id: 'keskar-subspace-5e-4', epsilon: 5e-4, subspace: true },
];

/** Every measure that a layer- or neuron-scale changes (the ones the reversal is about), in table order. */
export const MEASURE_IDS: readonly MeasureId[] = [...KESKAR_MEASURES.map((m) => m.id), 'hessian-spectral-norm', 'hessian-trace'];

export const MEASURE_TITLES: Record<MeasureId, string> = {
  'keskar-full-1e-3': 'Keskar ε=1e-3, full',
  'keskar-full-5e-4': 'Keskar ε=5e-4, full',
  'keskar-subspace-1e-3': 'Keskar ε=1e-3, subspace',
  'keskar-subspace-5e-4': 'Keskar ε=5e-4, subspace',
  'hessian-spectral-norm': '‖∇²L‖₂',
  'hessian-trace': 'Tr ∇²L',
};

export type MaximiserName = 'projected-gradient' | 'quasi-newton';

export interface MeasureSettings {
  /** Restarts of each maximiser (the zero start and random ones; the full space adds the top Hessian eigenvector). */
  restarts: number;
  /** Projected gradient ascent's iterations (the quasi-Newton method runs Keskar's 10). */
  iterations: number;
  /** Keskar's p (100 in the paper), capped at half the parameter count. */
  subspaceDimension: number;
  seed: number;
}

export interface Measurements {
  values: Record<MeasureId, number>;
  /** Per Keskar measure: both lower bounds and the method that found the larger (often both reach the same corner of the box). */
  maximisers: Partial<Record<MeasureId, Record<MaximiserName, number> & { larger: MaximiserName | 'tie' }>>;
  /** Hessian eigenvalues, largest first (the top ten). */
  spectrum: number[];
  /** The Hessian's diagonal (the transformation rules predict from it; the values are re-measured). */
  hessianDiagonal: number[];
}

export function hessianMeasures(net: Network<number>, train: Classification): Pick<Measurements, 'spectrum' | 'hessianDiagonal'> & { spectralNorm: number; trace: number; H: number[][] } {
  const H = lossHessian(float64Field, net, train);
  const eigenvalues = symmetricEigenvalues(H);
  const spectralNorm = Math.max(Math.abs(eigenvalues[0]!), Math.abs(eigenvalues[eigenvalues.length - 1]!));
  return { H, spectralNorm, trace: denseTrace(H), spectrum: eigenvalues.slice(0, 10), hessianDiagonal: H.map((row, i) => row[i]!) };
}

export function measureNetwork(net: Network<number>, train: Classification, settings: MeasureSettings): Measurements {
  const hessian = hessianMeasures(net, train);
  const theta = flatten(net);
  const oracle = float64Oracle(net, train);
  const p = Math.min(settings.subspaceDimension, Math.floor(theta.length / 2));
  const A = randomSubspace(theta.length, p, settings.seed);
  // At a minimum ∇L ≈ 0, so the full-space maximisers also start along the top eigenvector.
  const top = powerIteration(denseHvp(hessian.H), theta.length, { seed: settings.seed, maxIterations: 300, tolerance: 1e-10 }).vector!;
  const values = { 'hessian-spectral-norm': hessian.spectralNorm, 'hessian-trace': hessian.trace } as Record<MeasureId, number>;
  const maximisers: Measurements['maximisers'] = {};
  for (const m of KESKAR_MEASURES) {
    const region: SharpnessRegion = { kind: 'box', epsilon: m.epsilon, ...(m.subspace ? { subspace: A } : {}) };
    const opts = { seed: settings.seed, restarts: settings.restarts, ...(m.subspace ? {} : { startDirections: [top] }) };
    const pg = maximiseSharpness(oracle, theta, region, { ...opts, iterations: settings.iterations }).value;
    const qn = maximiseSharpnessQuasiNewton(oracle, theta, region, { ...opts, iterations: 10 }).value;
    values[m.id] = Math.max(pg, qn);
    maximisers[m.id] = { 'projected-gradient': pg, 'quasi-newton': qn, larger: qn > pg ? 'quasi-newton' : pg > qn ? 'projected-gradient' : 'tie' };
  }
  return { values, maximisers, spectrum: hessian.spectrum, hessianDiagonal: hessian.hessianDiagonal };
}

/** The registry's metrics that claim invariance under both layer-scale and neuron-scale. */
export async function invariantMetrics(): Promise<Metric[]> {
  const both: Family[] = ['layer-scale', 'neuron-scale'];
  return (await loadRegistry()).filter((m) => both.every((f) => m.claims?.invariant?.includes(f)));
}

export async function evaluateMetric(metric: Metric, net: Network<number>, train: Classification): Promise<number> {
  return (await inProcess(metric)(net, train)).value;
}

/**
 * The allowance for m(Sθ) vs m(θ), as in the conformance battery: its
 * rounding allowance plus the metric's measured response to the symmetry's
 * own float rounding ρ. The response depends on ρ only, so it is measured
 * once per metric, network and ρ.
 */
export async function invariantTolerance(metric: Metric, net: Network<number>, train: Classification, sym: Symmetry, before: number, after: number): Promise<number> {
  const rho = floatSymmetryPerturbation(sym, net.layers.length, u);
  const responses = (responseCache.get(net) ?? responseCache.set(net, new Map()).get(net))!;
  const key = `${metric.id} ${rho}`;
  if (!responses.has(key)) responses.set(key, await perturbationAllowance(inProcess(metric), { net, data: train, sym }, before));
  return responses.get(key)! + roundingAllowance(net, train, before, after);
}

const responseCache = new WeakMap<Network<number>, Map<string, number>>();
