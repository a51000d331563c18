/** Datasets drawn independently of the network's shape and fitted to it (see symmetry.ts for why). */
import fc from 'fast-check';
import type { Scalar } from '../field/field.js';
import type { NetworkShape, ScalarDataset } from '../network/types.js';
import { outputSize } from '../network/types.js';
import { MAX_INPUT, MAX_OUTPUT } from './network.js';
import { dyadic, rational } from './scalars.js';

export interface RawDataset {
  inputs: Scalar[][];
  targets: Scalar[][];
  labels: number[];
}

export interface DatasetArbitraryOptions {
  minSamples?: number;
  maxSamples?: number;
  values?: 'rational' | 'dyadic';
}

export function rawDatasetArbitrary(options: DatasetArbitraryOptions = {}): fc.Arbitrary<RawDataset> {
  const value: fc.Arbitrary<Scalar> = options.values === 'dyadic' ? dyadic(4) : rational(12, 12);
  const row = (n: number) => fc.array(value, { minLength: n, maxLength: n });
  const sample = fc.record({ input: row(MAX_INPUT), target: row(MAX_OUTPUT), label: fc.nat({ max: 1000 }) });
  return fc.array(sample, { minLength: options.minSamples ?? 1, maxLength: options.maxSamples ?? 4 }).map((samples) => ({
    inputs: samples.map((s) => s.input),
    targets: samples.map((s) => s.target),
    labels: samples.map((s) => s.label),
  }));
}

/** The dataset `raw` describes for a network of this shape (its first columns; labels modulo the outputs). */
export function fitDataset(raw: RawDataset, shape: NetworkShape, loss: ScalarDataset['loss'] = 'mse'): ScalarDataset {
  const inputs = raw.inputs.map((r) => r.slice(0, shape.inputSize));
  const outputs = outputSize(shape);
  if (loss === 'mse') return { loss, inputs, targets: raw.targets.map((r) => r.slice(0, outputs)) };
  return { loss, inputs, targets: raw.labels.map((l) => l % outputs) };
}
