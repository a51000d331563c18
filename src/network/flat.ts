/**
 * The flat parameter vector θ: layer by layer, W_k row-major, then b_k
 * (ARCHITECTURE.md). Every Jacobian, certificate and export uses this order.
 */
import { InputError } from '../field/errors.js';
import type { Network, NetworkShape } from './types.js';

export function parameterCount(shape: NetworkShape): number {
  let n = 0;
  let fanIn = shape.inputSize;
  shape.sizes.forEach((out, k) => {
    n += out * fanIn + (shape.hasBias[k] ? out : 0);
    fanIn = out;
  });
  return n;
}

/** Where each block of θ starts: weightOffset[k] + i·in + j is W_k[i][j]; biasOffset[k] + i is b_k[i] (or -1). */
export function parameterOffsets(shape: NetworkShape): { weightOffset: number[]; biasOffset: number[]; fanIn: number[] } {
  const weightOffset: number[] = [];
  const biasOffset: number[] = [];
  const fanIn: number[] = [];
  let at = 0;
  let inSize = shape.inputSize;
  shape.sizes.forEach((out, k) => {
    fanIn.push(inSize);
    weightOffset.push(at);
    at += out * inSize;
    biasOffset.push(shape.hasBias[k] ? at : -1);
    if (shape.hasBias[k]) at += out;
    inSize = out;
  });
  return { weightOffset, biasOffset, fanIn };
}

export function flatten<T>(net: Network<T>): T[] {
  const theta: T[] = [];
  for (const layer of net.layers) {
    for (const row of layer.weights) theta.push(...row);
    if (layer.bias) theta.push(...layer.bias);
  }
  return theta;
}

/** The network of `template`'s shape and activations with parameters θ. */
export function unflatten<T>(template: Network<T>, theta: readonly T[]): Network<T> {
  let at = 0;
  const take = (n: number) => {
    const part = theta.slice(at, at + n);
    at += n;
    return part;
  };
  const layers = template.layers.map((l) => {
    const inSize = l.weights[0]!.length;
    const weights = l.weights.map(() => take(inSize));
    const layer = { ...l, weights };
    if (l.bias) layer.bias = take(l.bias.length);
    return layer;
  });
  if (at !== theta.length) {
    throw new InputError('theta', theta, `${at} parameters for this network (it has ${theta.length})`);
  }
  return { inputSize: template.inputSize, layers };
}
