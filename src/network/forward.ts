/** Batched forward pass and losses over any Field. */
import type { Field } from '../field/field.js';
import { InputError } from '../field/errors.js';
import type { ActivationName, Dataset, Layer, Network } from './types.js';
import { TRANSCENDENTAL_ACTIVATIONS } from './types.js';

function transcendentalOf<T>(F: Field<T>, what: string) {
  if (!F.transcendental) {
    throw new InputError('field', F.name, `a field with exp and log (${what} needs exp/log/tanh: use float64 or bignumber)`);
  }
  return F.transcendental;
}

/** Throws when the network uses an activation the field cannot evaluate. */
export function assertFieldSupports<T>(F: Field<T>, net: Network<unknown>): void {
  net.layers.forEach((l, k) => assertActivationSupported(F, l.activation, `layers[${k}].activation`));
}

export function assertActivationSupported<T>(F: Field<T>, activation: ActivationName, field: string): void {
  if (TRANSCENDENTAL_ACTIVATIONS.includes(activation)) transcendentalOf(F, `${field} "${activation}"`);
}

export function activate<T>(F: Field<T>, activation: ActivationName, slope: T | undefined, z: T): T {
  switch (activation) {
    case 'relu':
      return F.sign(z) > 0 ? z : F.zero;
    case 'leaky-relu':
      return F.sign(z) > 0 ? z : F.mul(slope as T, z);
    case 'abs':
      return F.abs(z);
    case 'linear':
      return z;
    case 'tanh':
      return transcendentalOf(F, 'tanh').tanh(z);
    case 'softplus': {
      // log(1 + e^z) without overflow: max(z, 0) + log(1 + e^-|z|).
      const t = transcendentalOf(F, 'softplus');
      // sign ≥ 0, not > 0: with dual numbers at z = 0 this keeps the tangent right (|z|'s tangent is then +ż).
      const positivePart = F.sign(z) >= 0 ? z : F.zero;
      return F.add(positivePart, t.log(F.add(F.one, t.exp(F.neg(F.abs(z))))));
    }
  }
}

/** φ'(z), or undefined at a kink. */
export function activationDerivative<T>(F: Field<T>, activation: ActivationName, slope: T | undefined, z: T): T | undefined {
  const s = F.sign(z);
  switch (activation) {
    case 'relu':
      return s > 0 ? F.one : s < 0 ? F.zero : undefined;
    case 'leaky-relu':
      return s > 0 ? F.one : s < 0 ? (slope as T) : undefined;
    case 'abs':
      return s > 0 ? F.one : s < 0 ? F.neg(F.one) : undefined;
    case 'linear':
      return F.one;
    case 'tanh': {
      const t = F.transcendental!.tanh(z);
      return F.sub(F.one, F.mul(t, t));
    }
    case 'softplus': {
      // σ(z) = 1 / (1 + e^−z), written to avoid overflow for large |z|.
      const { exp } = F.transcendental!;
      const ez = exp(F.neg(F.abs(z)));
      return s >= 0 ? F.div(F.one, F.add(F.one, ez)) : F.div(ez, F.add(F.one, ez));
    }
  }
}

/** W x + b for one layer and one sample. */
export function preActivation<T>(F: Field<T>, layer: Layer<T>, x: readonly T[]): T[] {
  return layer.weights.map((row, i) => {
    let z = layer.bias ? layer.bias[i]! : F.zero;
    for (let j = 0; j < row.length; j++) z = F.add(z, F.mul(row[j]!, x[j]!));
    return z;
  });
}

/** a_0 = x, a_1, …, a_K = f_θ(x) for one sample. */
export function layerActivations<T>(F: Field<T>, net: Network<T>, x: readonly T[]): T[][] {
  const activations: T[][] = [[...x]];
  for (const layer of net.layers) {
    activations.push(preActivation(F, layer, activations[activations.length - 1]!).map((z) => activate(F, layer.activation, layer.slope, z)));
  }
  return activations;
}

export function forwardSample<T>(F: Field<T>, net: Network<T>, x: readonly T[]): T[] {
  return layerActivations(F, net, x)[net.layers.length]!;
}

/** f_θ(x) for every row of `inputs`. */
export function forward<T>(F: Field<T>, net: Network<T>, inputs: readonly (readonly T[])[]): T[][] {
  assertFieldSupports(F, net);
  return inputs.map((x) => forwardSample(F, net, x));
}

/** f_a(x) = f_b(x) on every input, compared with F.equals (exact in the rational field). */
export function sameOutputs<T>(F: Field<T>, a: Network<T>, b: Network<T>, inputs: readonly (readonly T[])[]): boolean {
  const fa = forward(F, a, inputs);
  const fb = forward(F, b, inputs);
  return fa.every((row, s) => row.every((v, o) => F.equals(v, fb[s]![o]!)));
}

/** Mean over samples and outputs of the squared error (PyTorch's default reduction). */
export function mseLoss<T>(F: Field<T>, outputs: readonly (readonly T[])[], targets: readonly (readonly T[])[]): T {
  let sum = F.zero;
  let count = 0;
  outputs.forEach((row, s) =>
    row.forEach((value, o) => {
      const r = F.sub(value, targets[s]![o]!);
      sum = F.add(sum, F.mul(r, r));
      count++;
    }),
  );
  return F.div(sum, F.fromScalar(count));
}

/** Mean over samples of −log softmax(f(x))[label], with the max subtracted for stability. */
export function crossEntropyLoss<T>(F: Field<T>, outputs: readonly (readonly T[])[], labels: readonly number[]): T {
  const t = transcendentalOf(F, 'cross-entropy');
  let sum = F.zero;
  outputs.forEach((row, s) => {
    const max = row.reduce((m, v) => (F.compare(v, m) > 0 ? v : m));
    let partition = F.zero;
    for (const v of row) partition = F.add(partition, t.exp(F.sub(v, max)));
    // −log softmax = log Σ e^(v−max) − (v_label − max)
    sum = F.add(sum, F.sub(t.log(partition), F.sub(row[labels[s]!]!, max)));
  });
  return F.div(sum, F.fromScalar(outputs.length));
}

export function lossOfOutputs<T>(F: Field<T>, data: Dataset<T>, outputs: readonly (readonly T[])[]): T {
  return data.loss === 'mse' ? mseLoss(F, outputs, data.targets) : crossEntropyLoss(F, outputs, data.targets);
}

/** L(θ) on the dataset. */
export function loss<T>(F: Field<T>, net: Network<T>, data: Dataset<T>): T {
  return lossOfOutputs(F, data, forward(F, net, data.inputs));
}
