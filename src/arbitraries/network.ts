/**
 * Networks as a custom fast-check Arbitrary: sizes, activations, biases and
 * weights are drawn together, and shrinking removes hidden layers, then
 * units, inputs and outputs, then biases, then simplifies weights — so a
 * counterexample shrinks to a small network (fc.chain would not).
 */
import fc from 'fast-check';
import { Fraction } from 'fraction.js';
import type { Scalar } from '../field/field.js';
import { isFraction } from '../field/rational.js';
import type { ActivationName, Layer, ScalarNetwork } from '../network/types.js';

export interface NetworkArbitraryOptions {
  /** Hidden layers, 1..maxHidden (default 6). */
  maxHidden?: number;
  /** Width of a hidden layer, 1..maxWidth (default 32; most are drawn small). */
  maxWidth?: number;
  maxInput?: number;
  maxOutput?: number;
  minOutput?: number;
  /** Hidden activations to draw from (the output layer is linear). */
  activations?: readonly ActivationName[];
  bias?: 'always' | 'never' | 'either';
  /** 'rational': exact Fractions p/q (|p|, q ≤ 12); 'dyadic': floats n/4096 in [-2, 2]. */
  weights?: 'rational' | 'dyadic';
}

const RATIONAL_SLOPES = [new Fraction(1n, 8n), new Fraction(1n, 3n), new Fraction(-1n, 2n), new Fraction(2n, 1n)];
const FLOAT_SLOPES = [0.01, 0.125, -0.5, 2];

export const MAX_HIDDEN = 6;
export const MAX_INPUT = 6;
export const MAX_OUTPUT = 4;

class NetworkArbitrary extends fc.Arbitrary<ScalarNetwork> {
  constructor(private readonly o: Required<NetworkArbitraryOptions>) {
    super();
  }

  private width(mrng: fc.Random, max: number): number {
    // Half of the widths come from 1..4, so that most cases are quick while 32 stays reachable.
    return mrng.nextInt(1, mrng.nextBoolean() ? Math.min(4, max) : max);
  }

  private weight(mrng: fc.Random): Scalar {
    if (this.o.weights === 'rational') return new Fraction(BigInt(mrng.nextInt(-12, 12)), BigInt(mrng.nextInt(1, 12)));
    return mrng.nextInt(-2 * 4096, 2 * 4096) / 4096;
  }

  generate(mrng: fc.Random): fc.Value<ScalarNetwork> {
    const hidden = mrng.nextInt(1, this.o.maxHidden);
    const inputSize = mrng.nextInt(1, this.o.maxInput);
    const sizes = [...Array.from({ length: hidden }, () => this.width(mrng, this.o.maxWidth)), mrng.nextInt(this.o.minOutput, this.o.maxOutput)];
    const activation = this.o.activations[mrng.nextInt(0, this.o.activations.length - 1)]!;
    const slopes = this.o.weights === 'rational' ? RATIONAL_SLOPES : FLOAT_SLOPES;
    const slope = slopes[mrng.nextInt(0, slopes.length - 1)]!;
    const withBias = this.o.bias === 'always' || (this.o.bias === 'either' && mrng.nextBoolean());
    let fanIn = inputSize;
    const layers = sizes.map((out, k): Layer<Scalar> => {
      const isOutput = k === sizes.length - 1;
      const layer: Layer<Scalar> = {
        weights: Array.from({ length: out }, () => Array.from({ length: fanIn }, () => this.weight(mrng))),
        activation: isOutput ? 'linear' : activation,
      };
      if (withBias) layer.bias = Array.from({ length: out }, () => this.weight(mrng));
      if (!isOutput && activation === 'leaky-relu') layer.slope = slope;
      fanIn = out;
      return layer;
    });
    return new fc.Value({ inputSize, layers }, undefined);
  }

  canShrinkWithoutContext(value: unknown): value is ScalarNetwork {
    return typeof value === 'object' && value !== null && Array.isArray((value as ScalarNetwork).layers);
  }

  shrink(net: ScalarNetwork): fc.Stream<fc.Value<ScalarNetwork>> {
    return new fc.Stream(shrinkNetwork(net, this.o.minOutput)).map((n) => new fc.Value(n, undefined));
  }
}

const zeroLike = (x: Scalar): Scalar => (isFraction(x) ? new Fraction(0n, 1n) : 0);
const isZero = (x: Scalar) => (isFraction(x) ? x.n === 0n : x === 0);
const isUnit = (x: Scalar) => (isFraction(x) ? x.d === 1n && x.n === 1n : Math.abs(x) === 1);
const signOf = (x: Scalar): Scalar => (isFraction(x) ? new Fraction(x.s, 1n) : Math.sign(x));

/** Keeps the first `n` columns of every row, padding with zeros. */
function resizeColumns(rows: Scalar[][], n: number): Scalar[][] {
  return rows.map((row) => Array.from({ length: n }, (_, j) => row[j] ?? zeroLike(row[0]!)));
}

function* shrinkNetwork(net: ScalarNetwork, minOutput: number): IterableIterator<ScalarNetwork> {
  const K = net.layers.length;
  const sizeBefore = (k: number) => (k === 0 ? net.inputSize : net.layers[k - 1]!.weights.length);
  // 1. Remove a hidden layer k (keeping at least one): the next layer keeps its first columns.
  for (let k = 0; K > 2 && k < K - 1; k++) {
    const layers = net.layers.filter((_, i) => i !== k).map((l) => ({ ...l }));
    layers[k] = { ...layers[k]!, weights: resizeColumns(layers[k]!.weights, sizeBefore(k)) };
    yield { inputSize: net.inputSize, layers };
  }
  // 2. Drop one unit of a layer (the output layer too, down to minOutput), the last first.
  const without = <T>(xs: T[], j: number) => xs.filter((_, i) => i !== j);
  for (let k = 0; k < K; k++) {
    const width = net.layers[k]!.weights.length;
    if (width <= (k === K - 1 ? minOutput : 1)) continue;
    for (let j = width - 1; j >= 0; j--) {
      const layers = net.layers.map((l, i) => {
        if (i === k) return { ...l, weights: without(l.weights, j), ...(l.bias ? { bias: without(l.bias, j) } : {}) };
        if (i === k + 1) return { ...l, weights: l.weights.map((row) => without(row, j)) };
        return l;
      });
      yield { inputSize: net.inputSize, layers };
    }
  }
  // 3. Drop one input, the last first.
  for (let j = net.inputSize - 1; net.inputSize > 1 && j >= 0; j--) {
    yield { inputSize: net.inputSize - 1, layers: net.layers.map((l, i) => (i === 0 ? { ...l, weights: l.weights.map((r) => without(r, j)) } : l)) };
  }
  // 4. Remove every bias, then the bias of one layer.
  if (net.layers.filter((l) => l.bias).length > 0) {
    yield { inputSize: net.inputSize, layers: net.layers.map(({ bias: _bias, ...l }) => l) };
    for (let k = 0; k < K && net.layers.filter((l) => l.bias).length > 1; k++) {
      if (net.layers[k]!.bias) yield { inputSize: net.inputSize, layers: net.layers.map(({ bias, ...l }, i) => (i === k || !bias ? l : { ...l, bias })) };
    }
  }
  // 5. Simplify one weight or bias at a time: to 0, then to ±1.
  for (let k = 0; k < K; k++) {
    const layer = net.layers[k]!;
    for (let i = 0; i < layer.weights.length; i++) {
      for (let j = 0; j < layer.weights[i]!.length; j++) {
        const w = layer.weights[i]![j]!;
        for (const simpler of isZero(w) ? [] : isUnit(w) ? [zeroLike(w)] : [zeroLike(w), signOf(w)]) {
          const weights = layer.weights.map((row, r) => (r === i ? row.map((v, c) => (c === j ? simpler : v)) : row));
          yield { inputSize: net.inputSize, layers: net.layers.map((l, n) => (n === k ? { ...l, weights } : l)) };
        }
      }
      const b = layer.bias?.[i];
      if (b !== undefined && !isZero(b)) {
        const bias = layer.bias!.map((v, r) => (r === i ? zeroLike(b) : v));
        yield { inputSize: net.inputSize, layers: net.layers.map((l, n) => (n === k ? { ...l, bias } : l)) };
      }
    }
  }
}

export function networkArbitrary(options: NetworkArbitraryOptions = {}): fc.Arbitrary<ScalarNetwork> {
  return new NetworkArbitrary({
    maxHidden: options.maxHidden ?? MAX_HIDDEN,
    maxWidth: options.maxWidth ?? 32,
    maxInput: options.maxInput ?? MAX_INPUT,
    maxOutput: options.maxOutput ?? MAX_OUTPUT,
    minOutput: options.minOutput ?? 1,
    activations: options.activations ?? ['relu', 'leaky-relu', 'abs', 'linear'],
    bias: options.bias ?? 'either',
    weights: options.weights ?? 'rational',
  });
}
