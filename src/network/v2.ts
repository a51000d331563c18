/**
 * Layered networks, flatcheck.network/v2: a typed sequence of layers over an
 * input shape ([n] features or [C, H, W] channels × height × width), with
 * residual blocks nesting a sequence of their own. Parameters are stored
 * flat, in θ's order, so θ is the concatenation of the layers' parameters
 * (docs/formats.md): depth first, a residual block's body before its skip;
 * dense and conv2d weights row-major then bias; batchnorm γ then β. Running
 * statistics and ε are state, not parameters.
 *
 * Every v1 network is a v2 network (`fromV1`): its θ order is the same.
 */
import { InputError } from '../field/errors.js';
import type { Field, Scalar } from '../field/field.js';
import type { ActivationName, Layer, Network } from './types.js';

export type Shape = readonly number[];

export interface DenseLayer<T> {
  type: 'dense';
  inputs: number;
  outputs: number;
  /** outputs × inputs, row-major: weights[o·inputs + i]. */
  weights: T[];
  bias?: T[];
}

export interface Conv2dLayer<T> {
  type: 'conv2d';
  inChannels: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  stride: number;
  /** Zero padding on each side of both spatial axes. */
  padding: number;
  /** [out][in][kh][kw], row-major. */
  weights: T[];
  bias?: T[];
}

export interface PoolLayer {
  type: 'maxpool2d' | 'avgpool2d';
  size: number;
  stride: number;
}

export interface FlattenLayer {
  type: 'flatten';
}

export type BatchNormMode = 'eval' | 'train';
export const BATCHNORM_MODES: readonly BatchNormMode[] = ['eval', 'train'];

/**
 * y = γ·(z − μ)/√(σ² + ε) + β per channel (per feature on a [n] input). In
 * `eval` mode μ and σ² are the running statistics; in `train` mode they are
 * the batch's (the dataset's samples, and every position of a channel), σ²
 * the biased variance, as PyTorch normalises.
 */
export interface BatchNormLayer<T> {
  type: 'batchnorm';
  mode: BatchNormMode;
  gamma: T[];
  beta: T[];
  runningMean: T[];
  runningVariance: T[];
  /** One per channel (a file may give one number for all). */
  epsilon: T[];
}

export interface ActivationLayer<T> {
  type: 'activation';
  activation: ActivationName;
  /** leaky-relu only. */
  slope?: T;
}

export type Projection<T> = DenseLayer<T> | Conv2dLayer<T>;

/** x ↦ body(x) + skip(x), skip the identity or a projection (a 1×1 conv or a dense layer). */
export interface ResidualLayer<T> {
  type: 'residual';
  body: LayerV2<T>[];
  skip?: Projection<T>;
}

export type LayerV2<T> = DenseLayer<T> | Conv2dLayer<T> | PoolLayer | FlattenLayer | BatchNormLayer<T> | ActivationLayer<T> | ResidualLayer<T>;
export type LayerType = LayerV2<unknown>['type'];
export const LAYER_TYPES: readonly LayerType[] = ['dense', 'conv2d', 'maxpool2d', 'avgpool2d', 'flatten', 'batchnorm', 'activation', 'residual'];

export interface NetworkV2<T> {
  inputShape: number[];
  layers: LayerV2<T>[];
}

export const size = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/** The number of channels of a value of this shape ([n]: n features, each its own channel). */
export const channels = (shape: Shape): number => shape[0]!;

/** Spatial positions per channel (1 for [n]). */
export const positions = (shape: Shape): number => (shape.length === 3 ? shape[1]! * shape[2]! : 1);

const convExtent = (n: number, k: number, stride: number, padding: number) => Math.floor((n + 2 * padding - k) / stride) + 1;

/**
 * The output shape of one layer, or an InputError naming `field` (the
 * layer's path, e.g. `layers[2].body[0]`) and what does not fit.
 */
export function layerOutputShape(layer: LayerV2<unknown>, input: Shape, field: string): number[] {
  const spatial = (what: string) => {
    if (input.length !== 3) throw new InputError(`${field}.type`, layer.type, `a layer for a [C, H, W] input (${what} sees the shape [${input.join(', ')}]; use it before flatten)`);
    return input as [number, number, number];
  };
  switch (layer.type) {
    case 'dense':
      if (input.length !== 1) throw new InputError(`${field}.type`, 'dense', `a layer for a [n] input (it sees [${input.join(', ')}]: put a flatten before it)`);
      if (layer.inputs !== input[0]) throw new InputError(`${field}.weights`, `${layer.outputs}×${layer.inputs}`, `rows of ${input[0]} weights (the layer's input has ${input[0]} features)`);
      return [layer.outputs];
    case 'conv2d': {
      const [C, H, W] = spatial('conv2d');
      if (layer.inChannels !== C) throw new InputError(`${field}.weights`, `${layer.outChannels}×${layer.inChannels}×${layer.kernelHeight}×${layer.kernelWidth}`, `${C} input channels per filter (the layer's input has ${C})`);
      if (layer.kernelHeight > H + 2 * layer.padding || layer.kernelWidth > W + 2 * layer.padding) {
        throw new InputError(`${field}.weights`, `${layer.kernelHeight}×${layer.kernelWidth} kernels`, `kernels no larger than the padded input ${H + 2 * layer.padding}×${W + 2 * layer.padding}`);
      }
      return [layer.outChannels, convExtent(H, layer.kernelHeight, layer.stride, layer.padding), convExtent(W, layer.kernelWidth, layer.stride, layer.padding)];
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      const [C, H, W] = spatial(layer.type);
      if (layer.size > H || layer.size > W) throw new InputError(`${field}.size`, layer.size, `a window no larger than the input ${H}×${W}`);
      return [C, convExtent(H, layer.size, layer.stride, 0), convExtent(W, layer.size, layer.stride, 0)];
    }
    case 'flatten':
      return [size(input)];
    case 'batchnorm':
      for (const key of ['gamma', 'beta', 'runningMean', 'runningVariance', 'epsilon'] as const) {
        if (layer[key].length !== channels(input)) throw new InputError(`${field}.${key}`, layer[key].length, `${channels(input)} values, one per ${input.length === 3 ? 'channel' : 'feature'}`);
      }
      return [...input];
    case 'activation':
      return [...input];
    case 'residual': {
      const out = sequenceShapes(layer.body, input, `${field}.body`).at(-1)!;
      const skip = layer.skip ? layerOutputShape(layer.skip, input, `${field}.skip`) : [...input];
      if (layer.skip?.type === 'conv2d' && (layer.skip.kernelHeight !== 1 || layer.skip.kernelWidth !== 1)) {
        throw new InputError(`${field}.skip.weights`, `${layer.skip.kernelHeight}×${layer.skip.kernelWidth} kernels`, 'a 1×1 convolution for a projection skip');
      }
      if (out.join() !== skip.join()) {
        throw new InputError(`${field}.body`, `output [${out.join(', ')}]`, `the skip's shape [${skip.join(', ')}] (${layer.skip ? 'the projection' : 'the identity'} and the body must agree)`);
      }
      return out;
    }
  }
}

/** The shape after each layer: [input, after layers[0], …]. */
export function sequenceShapes(layers: readonly LayerV2<unknown>[], input: Shape, field = 'layers'): number[][] {
  const shapes = [[...input]];
  layers.forEach((layer, k) => shapes.push(layerOutputShape(layer, shapes[k]!, `${field}[${k}]`)));
  return shapes;
}

export function outputShape(net: NetworkV2<unknown>): number[] {
  return sequenceShapes(net.layers, net.inputShape).at(-1)!;
}

/** A layer's own parameters, in θ order (references, not copies). */
function ownParameters<T>(layer: LayerV2<T>): T[][] {
  switch (layer.type) {
    case 'dense':
    case 'conv2d':
      return layer.bias ? [layer.weights, layer.bias] : [layer.weights];
    case 'batchnorm':
      return [layer.gamma, layer.beta];
    default:
      return [];
  }
}

/** Every parameter-holding array of the network, in θ order. */
export function parameterBlocks<T>(layers: readonly LayerV2<T>[]): T[][] {
  return layers.flatMap((layer) => (layer.type === 'residual' ? [...parameterBlocks(layer.body), ...(layer.skip ? ownParameters(layer.skip) : [])] : ownParameters(layer)));
}

export function parameterCountV2(net: NetworkV2<unknown>): number {
  return parameterBlocks(net.layers).reduce((n, b) => n + b.length, 0);
}

export function flattenV2<T>(net: NetworkV2<T>): T[] {
  return parameterBlocks(net.layers).flat();
}

/** Every number of a layer, parameters and state, through f. */
function mapLayer<A, B>(layer: LayerV2<A>, f: (a: A) => B): LayerV2<B> {
  switch (layer.type) {
    case 'dense':
    case 'conv2d': {
      const out = { ...layer, weights: layer.weights.map(f) } as DenseLayer<B> | Conv2dLayer<B>;
      if (layer.bias) out.bias = layer.bias.map(f);
      else delete out.bias;
      return out;
    }
    case 'batchnorm':
      return { ...layer, gamma: layer.gamma.map(f), beta: layer.beta.map(f), runningMean: layer.runningMean.map(f), runningVariance: layer.runningVariance.map(f), epsilon: layer.epsilon.map(f) };
    case 'activation':
      return layer.slope === undefined ? { type: 'activation', activation: layer.activation } : { type: 'activation', activation: layer.activation, slope: f(layer.slope) };
    case 'residual': {
      const out: ResidualLayer<B> = { type: 'residual', body: layer.body.map((l) => mapLayer(l, f)) };
      if (layer.skip) out.skip = mapLayer(layer.skip, f) as Projection<B>;
      return out;
    }
    default:
      return { ...layer };
  }
}

export function mapNetworkV2<A, B>(net: NetworkV2<A>, f: (a: A) => B): NetworkV2<B> {
  return { inputShape: [...net.inputShape], layers: net.layers.map((l) => mapLayer(l, f)) };
}

/** The network of `template`'s architecture and state with parameters θ. */
export function unflattenV2<T>(template: NetworkV2<T>, theta: readonly T[]): NetworkV2<T> {
  const net = mapNetworkV2(template, (x) => x);
  const blocks = parameterBlocks(net.layers);
  const count = blocks.reduce((n, b) => n + b.length, 0);
  if (theta.length !== count) throw new InputError('theta', `${theta.length} numbers`, `${count} parameters for this network`);
  let at = 0;
  for (const block of blocks) for (let i = 0; i < block.length; i++) block[i] = theta[at++]!;
  return net;
}

export function networkV2In<T>(F: Field<T>, net: NetworkV2<Scalar>): NetworkV2<T> {
  return mapNetworkV2(net, (x) => F.fromScalar(x));
}

/** The v1 network as v2: each layer a dense layer and, unless it is linear, its activation. */
export function fromV1<T>(net: Network<T>): NetworkV2<T> {
  let inputs = net.inputSize;
  const layers: LayerV2<T>[] = [];
  for (const l of net.layers) {
    const dense: DenseLayer<T> = { type: 'dense', inputs, outputs: l.weights.length, weights: l.weights.flat() };
    if (l.bias) dense.bias = [...l.bias];
    layers.push(dense);
    if (l.activation !== 'linear') layers.push(l.slope === undefined ? { type: 'activation', activation: l.activation } : { type: 'activation', activation: l.activation, slope: l.slope });
    inputs = l.weights.length;
  }
  return { inputShape: [net.inputSize], layers };
}

/**
 * The network as v1 when it is a multilayer perceptron (dense layers, each
 * followed by at most one activation, over a [n] input); undefined otherwise.
 */
export function toV1<T>(net: NetworkV2<T>): Network<T> | undefined {
  if (net.inputShape.length !== 1) return undefined;
  const layers: Layer<T>[] = [];
  for (const l of net.layers) {
    if (l.type === 'dense') {
      const layer: Layer<T> = { weights: Array.from({ length: l.outputs }, (_, o) => l.weights.slice(o * l.inputs, (o + 1) * l.inputs)), activation: 'linear' };
      if (l.bias) layer.bias = [...l.bias];
      layers.push(layer);
    } else if (l.type === 'activation') {
      const last = layers.at(-1);
      // An explicit linear layer has no place in v1 (fromV1 would not give it back): it stays v2.
      if (!last || l.activation === 'linear' || last.activation !== 'linear' || last.slope !== undefined) return undefined;
      last.activation = l.activation;
      if (l.slope !== undefined) last.slope = l.slope;
    } else return undefined;
  }
  // v1 needs at least one layer with a row each: the empty network and a zero-width layer stay v2.
  if (layers.length === 0 || layers.some((l) => l.weights.length === 0)) return undefined;
  return { inputSize: net.inputShape[0]!, layers };
}

/** Calls `visit` on every layer, depth first (a residual block, then its body, then its skip), with its path. */
export function walkLayers<T>(layers: readonly LayerV2<T>[], visit: (layer: LayerV2<T>, path: string) => void, field = 'layers'): void {
  layers.forEach((layer, k) => {
    const path = `${field}[${k}]`;
    visit(layer, path);
    if (layer.type === 'residual') {
      walkLayers(layer.body, visit, `${path}.body`);
      if (layer.skip) visit(layer.skip, `${path}.skip`);
    }
  });
}

/** Whether any layer (nested ones included) satisfies `test`. */
export function someLayer<T>(net: NetworkV2<T>, test: (layer: LayerV2<T>) => boolean): boolean {
  let found = false;
  walkLayers(net.layers, (l) => (found ||= test(l)));
  return found;
}

/** A network as the battery and the metric context take it: a v1 MLP or a v2 network. */
export type AnyNetwork<T> = Network<T> | NetworkV2<T>;

export const isV1 = <T>(net: AnyNetwork<T>): net is Network<T> => 'inputSize' in net;

export const asV2 = <T>(net: AnyNetwork<T>): NetworkV2<T> => (isV1(net) ? fromV1(net) : net);

/** The network as v1 when it is an MLP (v1 as given, or a v2 MLP), undefined otherwise. */
export const asV1 = <T>(net: AnyNetwork<T>): Network<T> | undefined => (isV1(net) ? net : toV1(net));
