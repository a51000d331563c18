/**
 * The conformance battery: for each symmetry family, fast-check searches for
 * a counterexample to the metric's invariance over random networks, data and
 * symmetries, and shrinks it; for families where the metric is not
 * invariant, a one-parameter path of symmetries shows whether it is
 * unbounded. Tolerances come from the metric's own float noise, measured at
 * each case (tolerance.ts), never from a bare constant.
 */
import fc from 'fast-check';
import { float64Field } from '../field/float64.js';
import { DEFAULT_SEED } from '../field/random.js';
import { networkToJson, datasetToJson } from '../network/index.js';
import { shapeOf, type ScalarNetwork } from '../network/types.js';
import { describeSymmetry, type Symmetry } from '../symmetry/index.js';
import { rawDatasetArbitrary, type RawDataset } from '../arbitraries/dataset.js';
import { networkArbitrary } from '../arbitraries/network.js';
import { fitSymmetry, rawSymmetryArbitrary, type RawSymmetry } from '../arbitraries/symmetry.js';
import { symmetryCase } from '../arbitraries/cases.js';
import { FAMILIES, type Family, type Metric } from './contract.js';
import { InputError, KinkError } from '../field/errors.js';
import type { LogLine } from './log.js';
import { IsolatedMetric } from './isolated.js';
import { DEFAULT_TIME_LIMIT_MS, inProcess, inWorker, MetricFailure, type Evaluate } from './evaluate.js';
import { pairedEstimates, perturbationAllowance, roundingAllowance, SAMPLING_Z, unitRoundoff } from './tolerance.js';
import { growthPath } from './growth.js';

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
  /** Tensors the metric left behind or returned over the family's evaluations (in this thread; each evaluation's scope disposed them). */
  leftTensors?: number;
}

export interface BatteryReport {
  metric: string;
  title?: string;
  families: Partial<Record<Family, FamilyReport>>;
  claims: { ok: boolean; failed: string[] };
}

export interface BatteryOptions {
  families?: readonly Family[];
  runs?: number;
  seed?: number;
  /** Per evaluation, and for importing a metric module. In this thread only an asynchronous metric can be cut off; in a module's worker, any. */
  timeLimitMs?: number;
  /** A metric module's memory in its worker, in MiB (heap, and resident growth for off-heap buffers); default METRIC_MEMORY_MB. */
  memoryLimitMb?: number;
  /** Each line a metric module prints (stdout or stderr, in its worker); without it they go to stderr. */
  onOutput?: (line: LogLine) => void;
  /** Evaluates instead of the metric object or module (a metric process, exec.ts); the caller closes it. */
  evaluator?: Pick<IsolatedMetric, 'evaluate'>;
  /** Search the families at the same time (an evaluator that serves several evaluations at once: --jobs). Each family has its own seeded run, so the report is the same. */
  parallelFamilies?: boolean;
  /** Called as the search goes (a progress bar on a terminal). */
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  family: Family;
  /** Cases searched so far; past `runs`, the search is shrinking a counterexample. */
  cases: number;
  runs: number;
}

type CaseValue = [ScalarNetwork, RawDataset, RawSymmetry];

const caseArbitrary = (family: Family): fc.Arbitrary<CaseValue> =>
  fc.tuple(
    networkArbitrary({ weights: 'dyadic', maxHidden: 2, maxWidth: 4, maxInput: 3, maxOutput: 2, activations: ['relu', 'leaky-relu'] }),
    rawDatasetArbitrary({ values: 'dyadic', minSamples: 2, maxSamples: 4 }),
    rawSymmetryArbitrary({ kinds: [family], scales: 'float', decades: 2 }),
  );

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
  const u = unitRoundoff(first);
  let allowed = roundingAllowance(c.net, c.data, first.value, firstAfter, u);
  if (Math.abs(firstAfter - first.value) <= allowed) return covered(first.value, firstAfter, allowed);
  const perturbation = await perturbationAllowance(run, c, first.value, u);
  allowed += perturbation;
  if (!first.usedRandom || Math.abs(firstAfter - first.value) <= allowed) return covered(first.value, firstAfter, allowed);
  const paired = await pairedEstimates(run, c, [first.value, firstAfter]);
  return covered(paired.before, paired.after, roundingAllowance(c.net, c.data, paired.before, paired.after, u) + perturbation + SAMPLING_Z * paired.standardError);
}

async function checkFamily(runMetric: Evaluate, family: Family, runs: number, seed: number, onProgress: BatteryOptions['onProgress']): Promise<FamilyReport> {
  let leftTensors = 0;
  const run: Evaluate = async (...args) => {
    const evaluation = await runMetric(...args);
    leftTensors += evaluation.leftTensors ?? 0;
    return evaluation;
  };
  const report = await searchFamily(run, family, runs, seed, onProgress);
  return leftTensors > 0 ? { ...report, leftTensors } : report;
}

async function searchFamily(run: Evaluate, family: Family, runs: number, seed: number, onProgress: BatteryOptions['onProgress']): Promise<FamilyReport> {
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

/** A claim on a family the battery does not know would be skipped without a word: it is bad input instead. */
function checkClaims(claims: Metric['claims']): void {
  for (const kind of ['invariant', 'unbounded'] as const) {
    const list: unknown = claims?.[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new InputError(`claims.${kind}`, list, `an array of families (${FAMILIES.join(', ')})`);
    list.forEach((f: unknown, i) => {
      if (!FAMILIES.includes(f as Family)) throw new InputError(`claims.${kind}[${i}]`, f, `one of ${FAMILIES.map((x) => `"${x}"`).join(', ')}`);
    });
  }
}

/**
 * The battery on a metric: a Metric object is evaluated in this thread; a
 * module path is imported and evaluated only in a worker thread, so that
 * even a synchronous hang ends at the time limit, and a module that exits
 * or hangs while it is imported is an InputError naming MODULE.
 */
export async function checkMetric(metric: Metric | string, options: BatteryOptions = {}): Promise<BatteryReport> {
  const families = options.families ?? FAMILIES;
  const seed = options.seed ?? DEFAULT_SEED;
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const isolated = typeof metric === 'string' ? new IsolatedMetric(metric, timeLimitMs, options.memoryLimitMb, options.onOutput) : undefined;
  let report: BatteryReport;
  let claims: Metric['claims'];
  try {
    const description = isolated ? await isolated.describe() : (metric as Metric);
    claims = description.claims;
    checkClaims(claims);
    report = { metric: description.id, ...(description.title ? { title: description.title } : {}), families: {}, claims: { ok: true, failed: [] } };
    const evaluator = options.evaluator ?? isolated;
    const run = evaluator ? inWorker(evaluator, timeLimitMs) : inProcess(metric as Metric, timeLimitMs);
    const search = (family: Family) => checkFamily(run, family, options.runs ?? 30, seed, options.onProgress);
    if (options.parallelFamilies && options.evaluator) {
      const results = await Promise.all(families.map(search));
      families.forEach((family, i) => (report.families[family] = results[i]!));
    } else {
      for (const family of families) report.families[family] = await search(family);
    }
  } finally {
    await isolated?.close();
  }
  for (const family of claims?.invariant ?? []) {
    const verdict = report.families[family]?.verdict;
    if (verdict !== undefined && verdict !== 'invariant') report.claims.failed.push(`invariant under ${family} (verdict: ${verdict})`);
  }
  for (const family of claims?.unbounded ?? []) {
    const verdict = report.families[family]?.verdict;
    if (verdict !== undefined && verdict !== 'unbounded') report.claims.failed.push(`unbounded under ${family} (verdict: ${verdict})`);
  }
  report.claims.ok = report.claims.failed.length === 0;
  return report;
}
