/** Rectifier networks over any Field, in the flatcheck.network/v1 shape. */
import type { Field, Scalar } from '../field/field.js';

export type ActivationName = 'relu' | 'leaky-relu' | 'abs' | 'linear' | 'tanh' | 'softplus';
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'leaky-relu', 'abs', 'linear', 'tanh', 'softplus'];
/** φ(c·z) = c·φ(z) for c > 0: the activations the symmetries of THEORY.md §1 are symmetries of. */
export const HOMOGENEOUS_ACTIVATIONS: readonly ActivationName[] = ['relu', 'leaky-relu', 'abs', 'linear'];
/** Need exp/log/tanh: only fields with `transcendental`. */
export const TRANSCENDENTAL_ACTIVATIONS: readonly ActivationName[] = ['tanh', 'softplus'];

export interface Layer<T> {
  /** out × in, `weights[out][in]`. */
  weights: T[][];
  /** Length out; absent when the layer has no bias. */
  bias?: T[];
  activation: ActivationName;
  /** Negative-side slope, leaky-relu only. */
  slope?: T;
}

export interface Network<T> {
  inputSize: number;
  layers: Layer<T>[];
}

export type LossName = 'mse' | 'cross-entropy';
export const LOSSES: readonly LossName[] = ['mse', 'cross-entropy'];

export type Dataset<T> =
  /** mse: mean over samples and outputs of (f(x) − y)². */
  | { loss: 'mse'; inputs: T[][]; targets: T[][] }
  /** cross-entropy: mean over samples of −log softmax(f(x))[label]. */
  | { loss: 'cross-entropy'; inputs: T[][]; targets: number[] };

/** Networks and datasets as loaded from JSON: numbers stay numbers, "p/q" strings become exact Fractions. */
export type ScalarNetwork = Network<Scalar>;
export type ScalarDataset = Dataset<Scalar>;

/** Everything about a network but its numbers. */
export interface NetworkShape {
  inputSize: number;
  /** Output size of each layer. */
  sizes: number[];
  hasBias: boolean[];
  activations: ActivationName[];
}

export function shapeOf<T>(net: Network<T>): NetworkShape {
  return {
    inputSize: net.inputSize,
    sizes: net.layers.map((l) => l.weights.length),
    hasBias: net.layers.map((l) => l.bias !== undefined),
    activations: net.layers.map((l) => l.activation),
  };
}

export function outputSize(shape: NetworkShape): number {
  return shape.sizes[shape.sizes.length - 1]!;
}

export function mapNetwork<A, B>(net: Network<A>, f: (a: A) => B): Network<B> {
  return {
    inputSize: net.inputSize,
    layers: net.layers.map((l) => {
      const layer: Layer<B> = { weights: l.weights.map((row) => row.map(f)), activation: l.activation };
      if (l.bias) layer.bias = l.bias.map(f);
      if (l.slope !== undefined) layer.slope = f(l.slope);
      return layer;
    }),
  };
}

export function mapDataset<A, B>(data: Dataset<A>, f: (a: A) => B): Dataset<B> {
  const inputs = data.inputs.map((row) => row.map(f));
  return data.loss === 'mse'
    ? { loss: 'mse', inputs, targets: data.targets.map((row) => row.map(f)) }
    : { loss: 'cross-entropy', inputs, targets: [...data.targets] };
}

/** The network's numbers in field F (exact in the rational field: a float becomes the rational it denotes). */
export function networkIn<T>(F: Field<T>, net: ScalarNetwork): Network<T> {
  return mapNetwork(net, (x) => F.fromScalar(x));
}

export function datasetIn<T>(F: Field<T>, data: ScalarDataset): Dataset<T> {
  return mapDataset(data, (x) => F.fromScalar(x));
}
