/**
 * Issue 6: Keskar et al.'s small- vs large-batch sharpness on real data, and
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
import type { ExtraSection } from '../report/index.js';
import type { Metric } from '../metrics/contract.js';
import { irisDatasetJson, splitDataset, type Split } from './data.js';
import { trainNetwork, type TrainedNetwork } from './train.js';
import { evaluateMetric, hessianMeasures, invariantMetrics, invariantTolerance, measureNetwork, MEASURE_IDS, type Measurements, type MeasureId, type MeasureSettings } from './measure.js';
import {
  applyScaling, checkExactly, describeScaling, exactAccuracy, exactOutputs, exactSymmetry, flatteningLayerScale, flatteningNeuronScale, sharpeningLayerScale, sharpeningNeuronScale,
  type PowerOfTwoScaling,
} from './reversal.js';
import { FULL_KESKAR, SHORT_KESKAR, type InvariantValue, type KeskarExperiment, type KeskarOptions, type NetworkRow, type PairSummary, type Resolved } from './keskar-types.js';
import { renderMarkdown } from './keskar-markdown.js';
import { renderFigures } from './keskar-figures.js';

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

/** The short run as a section of the proof report: headings one level down, figures embedded. */
export async function keskarReportSection(): Promise<ExtraSection> {
  const r = await runKeskarExperiment({ short: true });
  const figures = r.figures.map((f) => ({ name: `keskar-${f.name}`, svg: f.svg }));
  const markdown = [r.markdown.replace(/^(#+) /gm, '#$1 '), '', ...figures.map((f) => `![${f.name}](figures/${f.name})`), ''].join('\n');
  return { markdown, json: r.json, figures, ok: r.ok };
}
