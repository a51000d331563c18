/**
 * A v2 network as a graph of values ("edges": the input, each layer's
 * output, a residual block's two branches) and the ops between them, and
 * the one construction every architecture symmetry is an instance of: a
 * monomial transform of every edge's channels, a'_i = s_i · a_{π(i)}, that
 * each op commutes with. From such an assignment the parameters follow
 * (a dense or conv layer between edges with transforms A and B becomes
 * W'[i][k] = s^B_i · W[π^B(i)][π^A(k)] / s^A_k, b'[i] = s^B_i · b[π^B(i)]),
 * and so does a batch norm's state (its input scale moves the running
 * statistics and ε). The assignment is a symmetry exactly when the input and
 * output edges are untouched and every other op commutes: `checkTransforms`.
 */
import type { Field } from '../field/field.js';
import { InputError } from '../field/errors.js';
import { TRANSCENDENTAL_ACTIVATIONS } from '../network/types.js';
import { parameterBlocks, positions, sequenceShapes, size, type BatchNormLayer, type LayerV2, type NetworkV2 } from '../network/v2.js';

export type Writer<T> = Extract<LayerV2<T>, { type: 'dense' | 'conv2d' }>;

export interface Op<T> {
  /** The layer's path, e.g. `layers[2].body[0]`; a residual block's sum has the block's path. */
  path: string;
  /** The layer, or 'add' for the sum that ends a residual block. */
  layer: LayerV2<T> | 'add';
  inputs: number[];
  output: number;
  /** θ index of the layer's first parameter (−1 if it has none). */
  offset: number;
}

export interface Graph<T> {
  ops: Op<T>[];
  /** Shape of each edge; edge 0 is the input, `output` the network's output. */
  shapes: number[][];
  output: number;
  /** The ops reading each edge. */
  consumers: Op<T>[][];
}

export function networkGraph<T>(net: NetworkV2<T>): Graph<T> {
  sequenceShapes(net.layers, net.inputShape);
  const ops: Op<T>[] = [];
  const shapes: number[][] = [[...net.inputShape]];
  const offsets = new Map<LayerV2<T>, number>();
  let at = 0;
  const visit = (layers: readonly LayerV2<T>[]) => {
    for (const l of layers) {
      if (l.type === 'residual') {
        visit(l.body);
        if (l.skip) visit([l.skip]);
      } else {
        const n = parameterBlocks([l]).reduce((s, b) => s + b.length, 0);
        offsets.set(l, n > 0 ? at : -1);
        at += n;
      }
    }
  };
  visit(net.layers);
  const edge = (shape: number[]) => shapes.push(shape) - 1;
  const build = (layers: readonly LayerV2<T>[], input: number, field: string): number => {
    let current = input;
    layers.forEach((layer, k) => {
      const path = `${field}[${k}]`;
      if (layer.type === 'residual') {
        const body = build(layer.body, current, `${path}.body`);
        let skip = current;
        if (layer.skip) {
          skip = edge(sequenceShapes([layer.skip], shapes[current]!, `${path}.skip`)[1]!);
          ops.push({ path: `${path}.skip`, layer: layer.skip, inputs: [current], output: skip, offset: offsets.get(layer.skip)! });
        }
        const out = edge([...shapes[body]!]);
        ops.push({ path, layer: 'add', inputs: [body, skip], output: out, offset: -1 });
        current = out;
      } else {
        const out = edge(sequenceShapes([layer], shapes[current]!, path)[1]!);
        ops.push({ path, layer, inputs: [current], output: out, offset: offsets.get(layer)! });
        current = out;
      }
    });
    return current;
  };
  const output = build(net.layers, 0, 'layers');
  const consumers: Op<T>[][] = shapes.map(() => []);
  for (const op of ops) for (const i of op.inputs) consumers[i]!.push(op);
  return { ops, shapes, output, consumers };
}

/** An edge's transform: new channel i is old channel perm[i] times scale[i] (a [n] edge: per feature). */
export interface EdgeTransform<T> {
  perm: number[];
  scale: T[];
}

export const identityTransform = <T>(F: Field<T>, n: number): EdgeTransform<T> => ({ perm: Array.from({ length: n }, (_, i) => i), scale: new Array<T>(n).fill(F.one) });

/** A channel transform of a [C, H, W] value as seen feature by feature after flatten. */
export function expandToFeatures<T>(t: EdgeTransform<T>, perChannel: number): EdgeTransform<T> {
  const perm: number[] = [];
  const scale: T[] = [];
  t.perm.forEach((from, c) => {
    for (let q = 0; q < perChannel; q++) {
      perm.push(from * perChannel + q);
      scale.push(t.scale[c]!);
    }
  });
  return { perm, scale };
}

/** The transform of an op's output when it commutes with its input's transform, or undefined when it cannot. */
export function passThrough<T>(F: Field<T>, op: Op<T>, input: EdgeTransform<T>, shapes: number[][]): EdgeTransform<T> | undefined {
  const layer = op.layer;
  if (layer === 'add') return undefined;
  const positive = input.scale.every((s) => F.sign(s) > 0);
  switch (layer.type) {
    case 'flatten':
      return shapes[op.inputs[0]!]!.length === 3 ? expandToFeatures(input, positions(shapes[op.inputs[0]!]!)) : input;
    case 'maxpool2d':
      return positive ? input : undefined;
    case 'avgpool2d':
      return input;
    case 'activation':
      if (TRANSCENDENTAL_ACTIVATIONS.includes(layer.activation)) return input.scale.every((s) => F.equals(s, F.one)) ? input : undefined;
      if (layer.activation === 'linear') return input;
      if (layer.activation === 'abs') return input.scale.every((s) => F.sign(s) !== 0) ? { perm: input.perm, scale: input.scale.map((s) => F.abs(s)) } : undefined;
      return positive ? input : undefined; // relu, leaky-relu: positively homogeneous only
    default:
      return undefined;
  }
}

const sameTransform = <T>(F: Field<T>, a: EdgeTransform<T>, b: EdgeTransform<T>) => a.perm.length === b.perm.length && a.perm.every((p, i) => p === b.perm[i]) && a.scale.every((s, i) => F.equals(s, b.scale[i]!));

/**
 * Throws an InputError naming the first op that does not commute with the
 * assignment (or the input/output edge it changes). Exact in an exact field.
 */
export function checkTransforms<T>(F: Field<T>, g: Graph<T>, t: readonly EdgeTransform<T>[], field: string): void {
  const isIdentity = (e: number) => sameTransform(F, t[e]!, identityTransform(F, t[e]!.perm.length));
  if (!isIdentity(0)) throw new InputError(field, 'a map that changes the network input', 'a symmetry: the input is not transformed');
  if (!isIdentity(g.output)) throw new InputError(field, 'a map that changes the network output', 'a symmetry: the outputs must stay the same');
  for (const op of g.ops) {
    const input = t[op.inputs[0]!]!;
    const output = t[op.output]!;
    if (op.layer === 'add') {
      if (!sameTransform(F, t[op.inputs[1]!]!, input) || !sameTransform(F, output, input)) throw new InputError(field, `a map that scales one branch of ${op.path} but not the other`, 'the same transform of the block body, its skip and the stream');
      continue;
    }
    const type = op.layer.type;
    if (type === 'dense' || type === 'conv2d') continue; // absorbs any input and output transform
    if (type === 'batchnorm') {
      if (!output.perm.every((p, i) => p === input.perm[i]) || !input.scale.every((s) => F.sign(s) > 0) || output.scale.some((s) => F.sign(s) === 0)) {
        throw new InputError(field, `a map ${op.path} (batchnorm) does not commute with`, 'the same permutation of its input and output channels, a positive input scale');
      }
      continue;
    }
    const through = passThrough(F, op, input, g.shapes);
    if (!through || !sameTransform(F, through, output)) throw new InputError(field, `a map ${op.path} (${type === 'activation' ? (op.layer as { activation: string }).activation : type}) does not commute with`, 'a transform each layer commutes with');
  }
}

/** The parameters and state of the transformed network: θ as a monomial map, the new state applied to a copy. */
export interface ArchitectureMap<T> {
  /** (Sθ)_i = scale_i · θ_{source_i} + offset_i (the offset only for the logit shift). */
  source: number[];
  scale: T[];
  offset?: T[];
  /** The network's state (batch norm statistics and ε) after the map. */
  state: (net: NetworkV2<T>) => NetworkV2<T>;
}

/** The θ map and state change of an assignment (checked or not: negative controls build unchecked ones). */
export function mapOfTransforms<T>(F: Field<T>, g: Graph<T>, t: readonly EdgeTransform<T>[], parameters: number): ArchitectureMap<T> {
  const source = Array.from({ length: parameters }, (_, i) => i);
  const scale = new Array<T>(parameters).fill(F.one);
  const stateChanges: { path: string; input: EdgeTransform<T> }[] = [];
  const inv = (x: T) => F.div(F.one, x);
  for (const op of g.ops) {
    if (op.layer === 'add') continue;
    const A = t[op.inputs[0]!]!;
    const B = t[op.output]!;
    const layer = op.layer;
    if (layer.type === 'dense' || layer.type === 'conv2d') {
      const I = layer.type === 'dense' ? layer.inputs : layer.inChannels;
      const O = layer.type === 'dense' ? layer.outputs : layer.outChannels;
      const K = layer.type === 'dense' ? 1 : layer.kernelHeight * layer.kernelWidth;
      for (let i = 0; i < O; i++) {
        for (let k = 0; k < I; k++) {
          const factor = F.mul(B.scale[i]!, inv(A.scale[k]!));
          for (let q = 0; q < K; q++) {
            const to = op.offset + (i * I + k) * K + q;
            source[to] = op.offset + (B.perm[i]! * I + A.perm[k]!) * K + q;
            scale[to] = factor;
          }
        }
      }
      if (layer.bias) {
        const b = op.offset + O * I * K;
        for (let i = 0; i < O; i++) {
          source[b + i] = b + B.perm[i]!;
          scale[b + i] = B.scale[i]!;
        }
      }
    } else if (layer.type === 'batchnorm') {
      const C = layer.gamma.length;
      for (let i = 0; i < C; i++) {
        for (const block of [0, C]) {
          source[op.offset + block + i] = op.offset + block + B.perm[i]!;
          scale[op.offset + block + i] = B.scale[i]!;
        }
      }
      stateChanges.push({ path: op.path, input: A });
    }
  }
  const state = (net: NetworkV2<T>): NetworkV2<T> => {
    if (stateChanges.length === 0) return net;
    const byPath = new Map(stateChanges.map((c) => [c.path, c.input]));
    const out = structuredCloneLayers(net);
    visitBatchNorms(out.layers, 'layers', (bn, path) => {
      const A = byPath.get(path);
      if (!A) return;
      const sq = (i: number) => F.mul(A.scale[i]!, A.scale[i]!);
      const mean = bn.runningMean.map((_, i) => F.mul(A.scale[i]!, bn.runningMean[A.perm[i]!]!));
      const variance = bn.runningVariance.map((_, i) => F.mul(sq(i), bn.runningVariance[A.perm[i]!]!));
      const epsilon = bn.epsilon.map((_, i) => F.mul(sq(i), bn.epsilon[A.perm[i]!]!));
      bn.runningMean = mean;
      bn.runningVariance = variance;
      bn.epsilon = epsilon;
    });
    return out;
  };
  return { source, scale, state };
}

/** A copy whose layer objects and arrays can be replaced without touching `net`. */
function structuredCloneLayers<T>(net: NetworkV2<T>): NetworkV2<T> {
  const copy = (layers: readonly LayerV2<T>[]): LayerV2<T>[] =>
    layers.map((l) => {
      if (l.type === 'residual') return l.skip ? { type: 'residual', body: copy(l.body), skip: { ...l.skip } } : { type: 'residual', body: copy(l.body) };
      return { ...l } as LayerV2<T>;
    });
  return { inputShape: [...net.inputShape], layers: copy(net.layers) };
}

function visitBatchNorms<T>(layers: LayerV2<T>[], field: string, f: (bn: BatchNormLayer<T>, path: string) => void): void {
  layers.forEach((l, k) => {
    const path = `${field}[${k}]`;
    if (l.type === 'batchnorm') f(l, path);
    if (l.type === 'residual') visitBatchNorms(l.body, `${path}.body`, f);
  });
}

/** The number of values an edge's transform has: channels of a [C, H, W] edge, features of a [n] edge. */
export function transformSize(shape: readonly number[]): number {
  return shape.length === 3 ? shape[0]! : size(shape);
}
