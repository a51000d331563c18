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
import { datasetToJson } from '../network/index.js';
import type { ScalarNetwork } from '../network/types.js';
import { describeSymmetry, type Symmetry } from '../symmetry/index.js';
import { rawDatasetArbitrary, type RawDataset } from '../arbitraries/dataset.js';
import { networkArbitrary } from '../arbitraries/network.js';
import { rawSymmetryArbitrary, type RawSymmetry } from '../arbitraries/symmetry.js';
import { symmetryCase } from '../arbitraries/cases.js';
import { MLP_FAMILIES, type Family, type Metric } from './contract.js';
import { ARCHITECTURES, type ArchitectureName as Architecture } from '../network/random.js';
import { asV2, networkV2In, type AnyNetwork } from '../network/v2.js';
import { networkV2ToJson } from '../network/json-v2.js';
import { datasetIn, type Dataset } from '../network/types.js';
import { ARCHITECTURE_FAMILIES, applySymmetryV2, describeSymmetryV2, symmetriesOf, symmetryAt, type SymmetryKind, type SymmetryV2 } from '../symmetry/index.js';
import { fitDatasetV2, fitNetworkV2, rawDatasetV2Arbitrary, rawNetworkV2Arbitrary, type RawDatasetV2, type RawNetworkV2 } from '../arbitraries/network-v2.js';
import { logUniformScale } from '../arbitraries/scalars.js';
import { POOL } from '../arbitraries/symmetry.js';
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

export type FamilyReports = Partial<Record<Family, FamilyReport>>;

export interface BatteryReport {
  metric: string;
  title?: string;
  /** On MLPs (empty when the MLP was not among the architectures checked). */
  families: FamilyReports;
  /** Per architecture, when others than the MLP were asked for (`architectures`). */
  architectures?: Partial<Record<Architecture, FamilyReports>>;
  /** Asked-for architectures the metric does not take (its `architectures`), so not checked. */
  notApplicable?: Architecture[];
  claims: { ok: boolean; failed: string[] };
}

/** The families the battery checks on each architecture: every one its networks have. */
export const FAMILIES_CHECKED: Record<Architecture, readonly Family[]> = {
  mlp: MLP_FAMILIES,
  cnn: ['layer-scale', 'neuron-scale', 'permutation', 'batchnorm-scale', 'sign-flip', 'logit-shift'],
  resnet: ['layer-scale', 'neuron-scale', 'permutation', 'residual-scale', 'batchnorm-scale', 'sign-flip', 'logit-shift'],
};

export interface BatteryOptions {
  /** Of FAMILIES_CHECKED for each architecture, only these. */
  families?: readonly Family[];
  /** Networks drawn: MLPs (the default), conv nets, residual nets. */
  architectures?: readonly Architecture[];
  /** Shrink steps tried after the first counterexample (default: until fast-check finds no smaller one). */
  shrinkLimit?: number;
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

/** One drawn case, built: the network, its data, the symmetry and Sθ, in float64. */
interface BatteryCase {
  net: AnyNetwork<number>;
  data: Dataset<number>;
  sym: Symmetry | SymmetryV2;
  transformed: AnyNetwork<number>;
  description: string;
}

/** How cases are drawn for one architecture and family: values fast-check shrinks, and the case they make (fc.pre discards a draw without the family). */
interface CaseSource<V> {
  arbitrary: fc.Arbitrary<V>;
  build(value: V): BatteryCase;
}

/** MLPs, as the battery always drew them: v1 networks and symmetries. */
function mlpCases(family: Family): CaseSource<[ScalarNetwork, RawDataset, RawSymmetry]> {
  if (!(MLP_FAMILIES as readonly string[]).includes(family)) throw new InputError('families', family, `a family the battery checks on MLPs (${MLP_FAMILIES.join(', ')})`);
  return {
    arbitrary: fc.tuple(
      networkArbitrary({ weights: 'dyadic', maxHidden: 2, maxWidth: 4, maxInput: 3, maxOutput: 2, activations: ['relu', 'leaky-relu'] }),
      rawDatasetArbitrary({ values: 'dyadic', minSamples: 2, maxSamples: 4 }),
      rawSymmetryArbitrary({ kinds: [family as SymmetryKind], scales: 'float', decades: 2 }),
    ),
    build: ([raw, rawData, rawSym]) => {
      const c = symmetryCase(float64Field, raw, rawData, rawSym);
      fc.pre(!(c.sym.kind === 'permutation' && c.sym.perm.every((p, i) => p === i)));
      return { ...c, description: describeSymmetry(c.sym) };
    },
  };
}

/**
 * The networks drawn for each architecture and family: small, piecewise
 * linear; with |·| units for sign flips, batch norm (either mode) for
 * batchnorm-scale, cross-entropy data for the logit shift, mse otherwise.
 */
function layeredCases(architecture: Exclude<Architecture, 'mlp'>, family: Family): CaseSource<[RawNetworkV2, RawDatasetV2, number[], number[], number]> {
  const options = (batchnorm: 'eval' | 'train' | false) =>
    rawNetworkV2Arbitrary({ architecture, maxStages: 2, maxWidth: 3, maxChannels: 2, maxSize: 5, maxFeatures: 4, minOutputs: family === 'logit-shift' ? 2 : 1, activations: family === 'sign-flip' ? ['abs'] : ['relu', 'leaky-relu'], batchnorm });
  const networks = family === 'batchnorm-scale' ? fc.oneof(options('eval'), options('train')) : options(false);
  const loss = family === 'logit-shift' ? 'cross-entropy' : 'mse';
  return {
    arbitrary: fc.tuple(networks, rawDatasetV2Arbitrary({ minSamples: 2, maxSamples: 4 }), fc.array(logUniformScale(2), { minLength: POOL, maxLength: POOL }), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: POOL, maxLength: POOL }), fc.nat()),
    build: ([rawNet, rawData, scales, keys, choice]) => {
      const scalar = fitNetworkV2(rawNet);
      const sites = symmetriesOf(scalar, loss).filter((s) => s.kind === family && s.space.count <= POOL);
      fc.pre(sites.length > 0);
      const site = sites[choice % sites.length]!;
      const raw = site.space.type === 'positive' ? scales : keys;
      const sym = symmetryAt(scalar, site, raw);
      fc.pre(!(sym.kind === 'permutation' && sym.perm.every((p, i) => p === i)) && !(sym.kind === 'sign-flip' && sym.signs.every((s) => s === 1)));
      const net = networkV2In(float64Field, scalar);
      const data = datasetIn(float64Field, fitDatasetV2(rawData, scalar, loss));
      return { net, data, sym, transformed: applySymmetryV2(float64Field, net, sym), description: describeSymmetryV2(sym) };
    },
  };
}

const casesFor = (architecture: Architecture, family: Family): CaseSource<unknown> => (architecture === 'mlp' ? mlpCases(family) : layeredCases(architecture, family)) as CaseSource<unknown>;

/**
 * m(θ), m(Sθ) and their tolerance for one drawn case (the property's body
 * and the counterexample's report). The tolerance is built from cheapest to
 * dearest, stopping once the difference is covered; a random metric's
 * values become means over seeds only if rounding does not cover it.
 */
async function assess(run: Evaluate, c: BatteryCase) {
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

async function checkFamily(runMetric: Evaluate, source: CaseSource<unknown>, family: Family, runs: number, seed: number, onProgress: BatteryOptions['onProgress'], shrinkLimit: number): Promise<FamilyReport> {
  let leftTensors = 0;
  const run: Evaluate = async (...args) => {
    const evaluation = await runMetric(...args);
    leftTensors += evaluation.leftTensors ?? 0;
    return evaluation;
  };
  const report = await searchFamily(run, source, family, runs, seed, onProgress, shrinkLimit);
  return leftTensors > 0 ? { ...report, leftTensors } : report;
}

async function searchFamily(run: Evaluate, source: CaseSource<unknown>, family: Family, runs: number, seed: number, onProgress: BatteryOptions['onProgress'], shrinkLimit: number): Promise<FamilyReport> {
  let failure: string | undefined;
  let cases = 0;
  // The first case that failed, before shrinking: shrinking may end on a degenerate network (weights at 0) along which
  // the metric grows too slowly to show, so growth is looked for on this one too.
  let firstFailing: unknown;
  let shrinkSteps = 0;
  const property = fc.asyncProperty(source.arbitrary, async (value) => {
    if (failure) return true; // one error decides the family's verdict: don't pay for more
    // Past the budget a shrink candidate counts as passing: the counterexample is the smallest found so far.
    if (firstFailing !== undefined && ++shrinkSteps > shrinkLimit) return true;
    const c = source.build(value);
    onProgress?.({ family, cases: ++cases, runs });
    try {
      const holds = (await assess(run, c)).holds;
      if (!holds) firstFailing ??= value;
      return holds;
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
  const { c, before, after, tolerance: allowed } = await assess(run, source.build(details.counterexample[0]));
  const { net, data } = c;
  const counterexample: Counterexample = {
    network: networkV2ToJson(float64Field, asV2(net)),
    dataset: datasetToJson(float64Field, data),
    symmetry: c.description,
    before,
    after,
    tolerance: allowed,
  };
  if (family === 'permutation' || family === 'sign-flip') return { verdict: 'not-invariant', runs: details.numRuns, seed, counterexample }; // finite groups: nothing to grow along
  let growth = await growthPath(run, family, net, data, Math.max(Math.abs(before), allowed));
  if (!growth.unbounded && firstFailing !== details.counterexample[0]) {
    const first = await assess(run, source.build(firstFailing));
    const again = await growthPath(run, family, first.c.net, first.c.data, Math.max(Math.abs(first.before), first.tolerance));
    if (again.unbounded) growth = again;
  }
  return { verdict: growth.unbounded ? 'unbounded' : 'not-invariant', runs: details.numRuns, seed, counterexample, path: growth.values };
}

/** A claim on a family the battery does not know would be skipped without a word: it is bad input instead. */
function checkClaims(claims: Metric['claims']): void {
  for (const kind of ['invariant', 'unbounded'] as const) {
    const list: unknown = claims?.[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new InputError(`claims.${kind}`, list, `an array of families (${ARCHITECTURE_FAMILIES.join(', ')})`);
    list.forEach((f: unknown, i) => {
      if (!ARCHITECTURE_FAMILIES.includes(f as Family)) throw new InputError(`claims.${kind}[${i}]`, f, `one of ${ARCHITECTURE_FAMILIES.map((x) => `"${x}"`).join(', ')}`);
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
  const architectures = options.architectures ?? ['mlp'];
  architectures.forEach((a, i) => {
    if (!ARCHITECTURES.includes(a)) throw new InputError(`architectures[${i}]`, a, ARCHITECTURES.map((x) => `"${x}"`).join(', '));
  });
  const seed = options.seed ?? DEFAULT_SEED;
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const isolated = typeof metric === 'string' ? new IsolatedMetric(metric, timeLimitMs, options.memoryLimitMb, options.onOutput) : undefined;
  let report: BatteryReport;
  let claims: Metric['claims'];
  const checked: [Architecture, Family, FamilyReport][] = [];
  try {
    const description = isolated ? await isolated.describe() : (metric as Metric);
    claims = description.claims;
    checkClaims(claims);
    report = { metric: description.id, ...(description.title ? { title: description.title } : {}), families: {}, claims: { ok: true, failed: [] } };
    const evaluator = options.evaluator ?? isolated;
    const run = evaluator ? inWorker(evaluator, timeLimitMs) : inProcess(metric as Metric, timeLimitMs);
    const takes = description.architectures ?? ARCHITECTURES;
    const notApplicable = architectures.filter((a) => !takes.includes(a));
    if (notApplicable.length > 0) report.notApplicable = notApplicable;
    const jobs = architectures
      .filter((a) => takes.includes(a))
      .flatMap((architecture) => FAMILIES_CHECKED[architecture].filter((f) => !options.families || options.families.includes(f)).map((family) => ({ architecture, family })));
    const search = ({ architecture, family }: (typeof jobs)[number]) => checkFamily(run, casesFor(architecture, family), family, options.runs ?? 30, seed, options.onProgress, options.shrinkLimit ?? Infinity);
    const results = options.parallelFamilies && options.evaluator ? await Promise.all(jobs.map(search)) : [];
    for (const [i, job] of jobs.entries()) checked.push([job.architecture, job.family, results[i] ?? (await search(job))]);
    const layered = architectures.some((a) => a !== 'mlp');
    for (const [architecture, family, result] of checked) {
      if (architecture === 'mlp') report.families[family] = result;
      if (layered) ((report.architectures ??= {})[architecture] ??= {})[family] = result;
    }
  } finally {
    await isolated?.close();
  }
  // A claim holds when every architecture that has the family agrees.
  for (const [kind, wanted] of [['invariant', 'invariant'], ['unbounded', 'unbounded']] as const) {
    for (const family of claims?.[kind] ?? []) {
      for (const [architecture, f, result] of checked) {
        if (f === family && result.verdict !== wanted) report.claims.failed.push(`${kind} under ${family}${architectures.length > 1 || architecture !== 'mlp' ? ` on ${architecture}` : ''} (verdict: ${result.verdict})`);
      }
    }
  }
  report.claims.ok = report.claims.failed.length === 0;
  return report;
}
