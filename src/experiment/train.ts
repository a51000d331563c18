/**
 * Training ReLU MLPs with Adam on cross-entropy in TensorFlow.js, reproducibly:
 * the initial weights come from flatcheck's seeded generator (randomNetwork,
 * not tf's unseeded initialisers), the mini-batch order from a seeded
 * shuffle, and Adam itself is deterministic. Weights stay float32, so each
 * trained weight is an exact double (and an exact rational).
 */
import { Rng } from '../field/random.js';
import { flatten, unflatten } from '../network/flat.js';
import { networkIn, randomNetwork } from '../network/index.js';
import { float64Field } from '../field/float64.js';
import type { Network } from '../network/types.js';
import { initTensorBackend, tf } from '../tensor/backend.js';
import { datasetTensors, disposeData, lossTensor, type TensorData } from '../tensor/network.js';
import { shuffled, type Classification } from './data.js';

export interface TrainingOptions {
  hidden: number[];
  batchSize: number;
  learningRate: number;
  /**
   * Stop when the best full training loss has not dropped by `minImprovement`
   * (absolute: cross-entropy on separable data creeps towards 0 forever, so a
   * relative criterion never fires) for `patience` epochs…
   */
  patience: number;
  minImprovement: number;
  /** …or after this many epochs. */
  maxEpochs: number;
  seed: number;
}

export interface TrainedNetwork {
  net: Network<number>;
  epochs: number;
  steps: number;
  /** Full training loss after each epoch (float32, as TensorFlow.js computes it). */
  lossHistory: number[];
  /** Why training stopped. */
  stopped: 'plateau' | 'max-epochs';
}

export async function trainNetwork(train: Classification, classes: number, opts: TrainingOptions): Promise<TrainedNetwork> {
  await initTensorBackend();
  const template = networkIn(float64Field, randomNetwork({ inputSize: train.inputs[0]!.length, hidden: opts.hidden, outputSize: classes, activation: 'relu', bias: true }, opts.seed));
  const order = new Rng(opts.seed ^ 0x5eed);
  const data = datasetTensors(template, train);
  // tidy disposes the initial tensor, not the variable made from it.
  const theta = tf.tidy(() => tf.variable(tf.tensor1d(flatten(template), 'float32')));
  const optimizer = tf.train.adam(opts.learningRate);
  const samples = train.inputs.length;
  const batchSize = Math.min(opts.batchSize, samples);
  const lossHistory: number[] = [];
  let best = Infinity;
  let sinceBest = 0;
  let steps = 0;
  let stopped: TrainedNetwork['stopped'] = 'max-epochs';
  try {
    for (let epoch = 0; epoch < opts.maxEpochs; epoch++) {
      const permutation = shuffled(Array.from({ length: samples }, (_, i) => i), order);
      for (let start = 0; start < samples; start += batchSize) {
        const indices = permutation.slice(start, start + batchSize);
        const batch: TensorData = tf.tidy(() => {
          const at = tf.tensor1d(indices, 'int32');
          return { loss: 'cross-entropy' as const, inputs: tf.gather(data.inputs, at), targets: tf.gather(data.targets, at) };
        });
        try {
          optimizer.minimize(() => lossTensor(template, theta, batch), false, [theta]);
        } finally {
          disposeData(batch);
        }
        steps++;
      }
      const epochLoss = tf.tidy(() => lossTensor(template, theta, data).dataSync()[0]!);
      lossHistory.push(epochLoss);
      if (epochLoss < best - opts.minImprovement) {
        best = epochLoss;
        sinceBest = 0;
      } else if (++sinceBest >= opts.patience) {
        stopped = 'plateau';
        break;
      }
    }
    const net = unflatten(template, Array.from(theta.dataSync()));
    return { net, epochs: lossHistory.length, steps, lossHistory, stopped };
  } finally {
    optimizer.dispose();
    theta.dispose();
    disposeData(data);
  }
}
