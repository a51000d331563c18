/**
 * The conformance battery: for each symmetry family, fast-check searches for
 * a counterexample to the metric's invariance over random networks, data and
 * symmetries, and shrinks it; for families where the metric is not
 * invariant, a one-parameter path of symmetries shows whether it is
 * unbounded. Tolerances come from the metric's own float noise, measured at
 * each case (see `tolerance`), never from a bare constant.
 */
import fc from 'fast-check';
import { float64Field, FLOAT64_UNIT_ROUNDOFF as u } from '../field/float64.js';
import { Rng } from '../field/random.js';
import { networkToJson, datasetToJson } from '../network/index.js';
import { loss } from '../network/forward.js';
import { flatten, parameterCount, unflatten } from '../network/flat.js';
import { shapeOf, type Dataset, type Network, type ScalarNetwork } from '../network/types.js';
import { applySymmetry, describeSymmetry, floatSymmetryPerturbation, type Symmetry } from '../symmetry/index.js';
import { rawDatasetArbitrary, type RawDataset } from '../arbitraries/dataset.js';
import { networkArbitrary } from '../arbitraries/network.js';
import { fitSymmetry, rawSymmetryArbitrary, type RawSymmetry } from '../arbitraries/symmetry.js';
import { symmetryCase } from '../arbitraries/cases.js';
import { FAMILIES, metricContext, type Family, type Metric } from './contract.js';
import { KinkError } from '../autodiff/derivatives.js';
import { IsolatedMetric } from './isolated.js';

export type Verdict = 'invariant' | 'not-invariant' | 'unbounded' | 'error';

export interface Counterexample {
  network: object;
  dataset: object;
  symmetry: string;
  /** m(θ) and m(Sθ); for a metric that draws random numbers, means over 8 seeds. */
  before: number;
  after: number;
  tolerance: number;
}

export interface FamilyReport {
  verdict: Verdict;
  runs: number;
  seed: number;
  counterexample?: Counterexample;
  /** The one-parameter path t ↦ m(S_t θ), for non-invariant families. */
  path?: { t: number; value: number }[];
  error?: string;
}

export interface BatteryReport {
  metric: string;
  families: Partial<Record<Family, FamilyReport>>;
  claims: { ok: boolean; failed: string[] };
}

export interface BatteryOptions {
  families?: readonly Family[];
  runs?: number;
  seed?: number;
  /** Per evaluation. In this thread only an asynchronous metric can be cut off; with `module`, any. */
  timeLimitMs?: number;
  /**
   * The file `metric` was loaded from: evaluate it there, in a worker
   * thread, so that even a synchronous hang ends at the time limit.
   */
  module?: string;
  /** Evaluates instead of `metric.evaluate` or `module` (a metric process, exec.ts); the caller closes it. */
  evaluator?: Pick<IsolatedMetric, 'evaluate'>;
  /** Called as the search goes (a progress bar on a terminal). */
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  family: Family;
  /** Cases searched so far; past `runs`, the search is shrinking a counterexample. */
  cases: number;
  runs: number;
}

/** Per evaluation, unless BatteryOptions.timeLimitMs says otherwise. */
export const DEFAULT_TIME_LIMIT_MS = 10_000;

class MetricFailure extends Error {}

interface Evaluation {
  value: number;
  /** Whether the metric drew from ctx.random: then its value is an estimate with sampling noise. */
  usedRandom: boolean;
}

/** One evaluation of the metric under test, on a network, data and ctx.random seed. */
export type Evaluate = (net: Network<number>, data: Dataset<number>, seed?: number) => Promise<Evaluation>;

function checkedValue(value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new MetricFailure(`returned ${String(value)}, not a number`);
  return value;
}

/** In this thread: an asynchronous metric is timed out; a synchronous loop cannot be interrupted here. */
export function inProcess(metric: Metric, timeLimitMs = DEFAULT_TIME_LIMIT_MS): Evaluate {
  return async (net, data, seed = 1) => {
    const ctx = await metricContext(net, data, seed);
    let timer: NodeJS.Timeout | undefined;
    try {
      const value = await Promise.race([
        Promise.resolve().then(() => metric.evaluate(ctx)),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new MetricFailure(`timed out after ${timeLimitMs} ms`)), timeLimitMs))),
      ]);
      return { value: checkedValue(value), usedRandom: ctx.usedRandom };
    } catch (e) {
      // A kink makes derivatives undefined: that case is discarded, not held against the metric.
      if (e instanceof MetricFailure || e instanceof KinkError) throw e;
      throw new MetricFailure(`threw: ${(e as Error)?.message ?? String(e)}`);
    } finally {
      clearTimeout(timer);
      ctx.dispose();
    }
  };
}

/** In a worker thread (the metric's module file): any hang, synchronous or not, is cut off at the limit. */
function inWorker(isolated: Pick<IsolatedMetric, 'evaluate'>, timeLimitMs: number): Evaluate {
  return async (net, data, seed = 1) => {
    const reply = await isolated.evaluate(net, data, seed, timeLimitMs).catch((e: Error) => {
      throw new MetricFailure(e.message);
    });
    if (reply.kink) throw new KinkError(...reply.kink);
    if (reply.error !== undefined) throw new MetricFailure(`threw: ${reply.error}`);
    return { value: checkedValue(reply.value), usedRandom: reply.usedRandom ?? false };
  };
}

/**
 * A random metric (one that draws from ctx.random) is an estimator: it is
 * compared on SAMPLING_SEEDS paired estimates, D_s = m_s(Sθ) − m_s(θ) with
 * the same seed s on both sides (pairing removes the noise the two share).
 * For Gaussian estimates mean(D)/(sd(D)/√8) is t-distributed with 7 degrees
 * of freedom, and P(|t₇| > 12) ≈ 6e-6.
 */
const SAMPLING_SEEDS = 8;
const SAMPLING_Z = 12;

/**
 * The metric's own rounding, which a permutation exercises by reordering
 * sums and rotations: the backward-error allowance of dense symmetric
 * eigensolvers on P×P matrices, 10P²u‖H‖_F ≤ 10P^2.5·u·|||H|||₂, relative to
 * the size of what the metric is computed from — its values and the loss
 * L(θ), since a sharpness is a difference of losses and carries the loss's
 * rounding, not its own size's (sums over P terms, γ_P, are well inside it).
 */
export function roundingAllowance(net: Network<number>, data: Dataset<number>, before: number, after: number): number {
  return 10 * parameterCount(shapeOf(net)) ** 2.5 * u * (Math.abs(before) + Math.abs(after) + 2 * Math.abs(loss(float64Field, net, data)));
}

/**
 * Sθ is computed in floats, so each entry carries a relative error up to
 * ρ = floatSymmetryPerturbation (0 for a permutation, which is exact): the
 * metric's response to such an error is measured directly (every entry moved
 * by ±ρ relative, seeded signs), ×4 for both sides and both signs.
 */
export async function perturbationAllowance(run: Evaluate, c: { net: Network<number>; data: Dataset<number>; sym: Symmetry }, before: number): Promise<number> {
  if (c.sym.kind === 'permutation') return 0;
  const rho = floatSymmetryPerturbation(c.sym, c.net.layers.length, u);
  const rng = new Rng(7);
  const perturbed = unflatten(c.net, flatten(c.net).map((t) => t * (1 + rho * rng.rademacher())));
  return 4 * Math.abs((await run(perturbed, c.data)).value - before);
}

/** Paired estimates at θ and Sθ for seeds 1…SAMPLING_SEEDS (seed 1's already known): means and the standard error of their difference. */
async function pairedEstimates(run: Evaluate, c: { net: Network<number>; transformed: Network<number>; data: Dataset<number> }, first: [number, number]) {
  const pairs = [first];
  for (let seed = 2; seed <= SAMPLING_SEEDS; seed++) pairs.push([(await run(c.net, c.data, seed)).value, (await run(c.transformed, c.data, seed)).value]);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const differences = pairs.map(([b, a]) => a - b);
  const d = mean(differences);
  const sd = Math.sqrt(differences.reduce((acc, x) => acc + (x - d) ** 2, 0) / (SAMPLING_SEEDS - 1));
  return { before: mean(pairs.map(([b]) => b)), after: mean(pairs.map(([, a]) => a)), standardError: sd / Math.sqrt(SAMPLING_SEEDS) };
}

type CaseValue = [ScalarNetwork, RawDataset, RawSymmetry];

const caseArbitrary = (family: Family): fc.Arbitrary<CaseValue> =>
  fc.tuple(
    networkArbitrary({ weights: 'dyadic', maxHidden: 2, maxWidth: 4, maxInput: 3, maxOutput: 2, activations: ['relu', 'leaky-relu'] }),
    rawDatasetArbitrary({ values: 'dyadic', minSamples: 2, maxSamples: 4 }),
    rawSymmetryArbitrary({ kinds: [family], scales: 'float', decades: 2 }),
  );

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

const PATH_GRID = [-40, -32, -24, -16, -8, 0, 8, 16, 24, 32, 40];

/** The path along which |m| grows most; a point where the metric fails (throws, NaN, a kink, a time-out) is left out. */
async function growthPath(run: Evaluate, family: Family, net: Network<number>, data: Dataset<number>, scale: number) {
  const along = async (path: (t: number) => Symmetry) => {
    const values: { t: number; value: number }[] = [];
    for (const t of PATH_GRID) {
      try {
        values.push({ t, value: (await run(applySymmetry(float64Field, net, path(t)), data)).value });
      } catch (e) {
        if (!(e instanceof MetricFailure || e instanceof KinkError)) throw e;
      }
    }
    return values;
  };
  let best = { values: [] as { t: number; value: number }[], size: -1 };
  for (const path of paths(family, net)) {
    const values = await along(path);
    const size = Math.max(-1, ...values.map((v) => Math.abs(v.value)));
    if (size > best.size) best = { values, size };
  }
  return { values: best.values, unbounded: best.size >= 1e6 * scale && best.size > 0 };
}

const isIdentity = (sym: Symmetry) => sym.kind === 'permutation' && sym.perm.every((p, i) => p === i);

/**
 * m(θ), m(Sθ) and their tolerance for one drawn case (the property's body
 * and the counterexample's report). The tolerance is built from cheapest to
 * dearest, stopping once the difference is covered; a random metric's
 * values become means over seeds only if rounding does not cover it.
 */
async function assess(run: Evaluate, [raw, rawData, rawSym]: CaseValue) {
  const c = symmetryCase(float64Field, raw, rawData, rawSym);
  const first = await run(c.net, c.data);
  const firstAfter = (await run(c.transformed, c.data)).value;
  const covered = (before: number, after: number, allowed: number) => ({ c, before, after, tolerance: allowed, holds: Math.abs(after - before) <= allowed });
  let allowed = roundingAllowance(c.net, c.data, first.value, firstAfter);
  if (Math.abs(firstAfter - first.value) <= allowed) return covered(first.value, firstAfter, allowed);
  const perturbation = await perturbationAllowance(run, c, first.value);
  allowed += perturbation;
  if (!first.usedRandom || Math.abs(firstAfter - first.value) <= allowed) return covered(first.value, firstAfter, allowed);
  const paired = await pairedEstimates(run, c, [first.value, firstAfter]);
  return covered(paired.before, paired.after, roundingAllowance(c.net, c.data, paired.before, paired.after) + perturbation + SAMPLING_Z * paired.standardError);
}

async function checkFamily(run: Evaluate, family: Family, runs: number, seed: number, onProgress: BatteryOptions['onProgress']): Promise<FamilyReport> {
  let failure: string | undefined;
  let cases = 0;
  const property = fc.asyncProperty(caseArbitrary(family), async (value) => {
    if (failure) return true; // one error decides the family's verdict: don't pay for more
    fc.pre(!isIdentity(fitSymmetry(value[2], shapeOf(value[0]))));
    onProgress?.({ family, cases: ++cases, runs });
    try {
      return (await assess(run, value)).holds;
    } catch (e) {
      fc.pre(!(e instanceof KinkError));
      if (e instanceof MetricFailure) {
        failure ??= e.message;
        return true; // reported as an error verdict, not as a counterexample to shrink
      }
      throw e;
    }
  });
  const details = await fc.check(property, { numRuns: runs, seed });
  if (failure) return { verdict: 'error', runs: details.numRuns, seed, error: failure };
  if (!details.failed) return { verdict: 'invariant', runs: details.numRuns, seed };
  if (details.counterexample === null) return { verdict: 'error', runs: details.numRuns, seed, error: String(details.errorInstance) };
  const { c, before, after, tolerance: allowed } = await assess(run, details.counterexample[0]);
  const { net, data } = c;
  const counterexample: Counterexample = {
    network: networkToJson(float64Field, net),
    dataset: datasetToJson(float64Field, data),
    symmetry: describeSymmetry(c.sym),
    before,
    after,
    tolerance: allowed,
  };
  if (family === 'permutation') return { verdict: 'not-invariant', runs: details.numRuns, seed, counterexample };
  const { values, unbounded } = await growthPath(run, family, net, data, Math.max(Math.abs(before), allowed));
  return { verdict: unbounded ? 'unbounded' : 'not-invariant', runs: details.numRuns, seed, counterexample, path: values };
}

export async function checkMetric(metric: Metric, options: BatteryOptions = {}): Promise<BatteryReport> {
  const families = options.families ?? FAMILIES;
  const seed = options.seed ?? 20170315;
  const report: BatteryReport = { metric: metric.id, families: {}, claims: { ok: true, failed: [] } };
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const isolated = options.module === undefined || options.evaluator ? undefined : new IsolatedMetric(options.module);
  const evaluator = options.evaluator ?? isolated;
  const run = evaluator ? inWorker(evaluator, timeLimitMs) : inProcess(metric, timeLimitMs);
  try {
    for (const family of families) report.families[family] = await checkFamily(run, family, options.runs ?? 30, seed, options.onProgress);
  } finally {
    await isolated?.close();
  }
  for (const family of metric.claims?.invariant ?? []) {
    const verdict = report.families[family]?.verdict;
    if (verdict !== undefined && verdict !== 'invariant') report.claims.failed.push(`invariant under ${family} (verdict: ${verdict})`);
  }
  for (const family of metric.claims?.unbounded ?? []) {
    const verdict = report.families[family]?.verdict;
    if (verdict !== undefined && verdict !== 'unbounded') report.claims.failed.push(`unbounded under ${family} (verdict: ${verdict})`);
  }
  report.claims.ok = report.claims.failed.length === 0;
  return report;
}
