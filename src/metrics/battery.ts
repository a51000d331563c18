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
import { flatten, parameterCount, unflatten } from '../network/flat.js';
import { shapeOf, type Dataset, type Network, type ScalarNetwork } from '../network/types.js';
import { applySymmetry, describeSymmetry, floatSymmetryPerturbation, type Symmetry } from '../symmetry/index.js';
import { rawDatasetArbitrary, type RawDataset } from '../arbitraries/dataset.js';
import { networkArbitrary } from '../arbitraries/network.js';
import { rawSymmetryArbitrary, type RawSymmetry } from '../arbitraries/symmetry.js';
import { symmetryCase } from '../arbitraries/cases.js';
import { FAMILIES, metricContext, type Family, type Metric } from './contract.js';
import { KinkError } from '../autodiff/derivatives.js';

export type Verdict = 'invariant' | 'not-invariant' | 'unbounded' | 'error';

export interface Counterexample {
  network: object;
  dataset: object;
  symmetry: string;
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
  /** Per evaluation, for asynchronous metrics (a synchronous loop cannot be interrupted here). */
  timeLimitMs?: number;
}

class MetricFailure extends Error {}

async function evaluate(metric: Metric, net: Network<number>, data: Dataset<number>, timeLimitMs: number): Promise<number> {
  const ctx = await metricContext(net, data, 1);
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      Promise.resolve().then(() => metric.evaluate(ctx)),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new MetricFailure(`timed out after ${timeLimitMs} ms`)), timeLimitMs))),
    ]);
    if (typeof value !== 'number' || Number.isNaN(value)) throw new MetricFailure(`returned ${String(value)}, not a number`);
    return value;
  } catch (e) {
    // A kink makes derivatives undefined: that case is discarded, not held against the metric.
    if (e instanceof MetricFailure || e instanceof KinkError) throw e;
    throw new MetricFailure(`threw: ${(e as Error)?.message ?? String(e)}`);
  } finally {
    clearTimeout(timer);
    ctx.dispose();
  }
}

/**
 * The tolerance for m(θ) vs m(Sθ): Sθ is computed in floats, so each entry
 * carries a relative error up to ρ = floatSymmetryPerturbation. The metric's
 * response to such an error is measured directly — m at θ with every entry
 * moved by ±ρ relative (seeded signs) — and doubled for the two sides. The
 * metric's own rounding, which that does not exercise (a permutation
 * reorders its sums and rotations), gets the standard backward-error
 * allowance of dense symmetric eigensolvers on P×P matrices,
 * 10P²u‖H‖_F ≤ 10P^2.5·u·|||H|||₂, relative to |m(θ)| + |m(Sθ)|; sums over
 * P terms (γ_P) are well inside it.
 */
async function tolerance(metric: Metric, net: Network<number>, data: Dataset<number>, sym: Symmetry, before: number, after: number, timeLimitMs: number): Promise<number> {
  const shape = shapeOf(net);
  const rho = floatSymmetryPerturbation(sym, shape.sizes.length, u);
  const rng = new Rng(7);
  const perturbed = unflatten(net, flatten(net).map((t) => t * (1 + rho * rng.rademacher())));
  const noise = Math.abs((await evaluate(metric, perturbed, data, timeLimitMs)) - before);
  return 4 * noise + 10 * parameterCount(shape) ** 2.5 * u * (Math.abs(before) + Math.abs(after));
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
 * α_a = 2^t, α_b = 2^-t for every ordered pair of layers; neuron-scale with
 * c_j = 2^t on each hidden unit j. A metric is unbounded when some path
 * multiplies it by 1e6 or more within |t| ≤ 40 (from 0, any growth counts).
 */
function paths(family: Family, net: Network<number>): ((t: number) => Symmetry)[] {
  const K = net.layers.length;
  const out: ((t: number) => Symmetry)[] = [];
  if (family === 'layer-scale') {
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) if (a !== b) out.push((t) => ({ kind: 'layer-scale', alphas: Array.from({ length: K }, (_, k) => (k === a ? 2 ** t : k === b ? 2 ** -t : 1)) }));
  } else {
    net.layers.slice(0, -1).forEach((layer, h) =>
      layer.weights.forEach((_, j) => out.push((t) => ({ kind: 'neuron-scale', layer: h + 1, scales: layer.weights.map((__, i) => (i === j ? 2 ** t : 1)) }))),
    );
  }
  return out;
}

async function growthPath(metric: Metric, family: Family, net: Network<number>, data: Dataset<number>, before: number, timeLimitMs: number) {
  const at = async (path: (t: number) => Symmetry, t: number) => evaluate(metric, applySymmetry(float64Field, net, path(t)), data, timeLimitMs);
  const candidates = paths(family, net);
  let best = { path: candidates[0]!, size: -1 };
  for (const path of candidates) {
    const size = Math.max(Math.abs(await at(path, 40)), Math.abs(await at(path, -40)));
    if (size > best.size) best = { path, size };
  }
  const values: { t: number; value: number }[] = [];
  for (let t = -40; t <= 40; t += 8) values.push({ t, value: await at(best.path, t) });
  return { values, unbounded: best.size > 0 && best.size >= 1e6 * Math.abs(before) };
}

/** m(θ), m(Sθ) and their tolerance for one drawn case (the property's body and the counterexample's report). */
async function assess(metric: Metric, [raw, rawData, rawSym]: CaseValue, timeLimitMs: number) {
  const c = symmetryCase(float64Field, raw, rawData, rawSym);
  const before = await evaluate(metric, c.net, c.data, timeLimitMs);
  const after = await evaluate(metric, c.transformed, c.data, timeLimitMs);
  return { c, before, after, tolerance: await tolerance(metric, c.net, c.data, c.sym, before, after, timeLimitMs) };
}

async function checkFamily(metric: Metric, family: Family, runs: number, seed: number, timeLimitMs: number): Promise<FamilyReport> {
  let failure: string | undefined;
  const property = fc.asyncProperty(caseArbitrary(family), async (value) => {
    try {
      const { before, after, tolerance } = await assess(metric, value, timeLimitMs);
      return Math.abs(after - before) <= tolerance;
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
  const { c, before, after, tolerance: allowed } = await assess(metric, details.counterexample[0], timeLimitMs);
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
  const { values, unbounded } = await growthPath(metric, family, net, data, before, timeLimitMs);
  return { verdict: unbounded ? 'unbounded' : 'not-invariant', runs: details.numRuns, seed, counterexample, path: values };
}

export async function checkMetric(metric: Metric, options: BatteryOptions = {}): Promise<BatteryReport> {
  const families = options.families ?? FAMILIES;
  const seed = options.seed ?? 20170315;
  const report: BatteryReport = { metric: metric.id, families: {}, claims: { ok: true, failed: [] } };
  for (const family of families) report.families[family] = await checkFamily(metric, family, options.runs ?? 30, seed, options.timeLimitMs ?? 10_000);
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
