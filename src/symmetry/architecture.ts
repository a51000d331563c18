/**
 * The symmetries of a v2 network, derived from its architecture:
 * `symmetriesOf(net, loss)` lists every family valid for it, each at its
 * site with its parameter space, and `architectureMap` turns one element
 * into its map on θ (monomial; affine for the logit shift) and on the
 * network's state. Every family is an edge assignment of graph.ts, so one
 * check (`checkTransforms`, exact) decides validity for all of them.
 *
 * - neuron-scale: a dense/conv/batchnorm layer's output channel j times
 *   c_j > 0, through ReLU-like activations, pooling and flatten, undone by
 *   the next dense or conv layer's input channel j.
 * - permutation: the same sites, any elementwise activation and batch norm
 *   in between (whose γ, β and statistics move with the channels).
 * - sign-flip: a unit feeding |·|, its row times −1.
 * - batchnorm-scale: the layer feeding a batch norm scaled per channel; the
 *   batch norm absorbs it, its running mean × c, variance and ε × c² (ε moves
 *   too: with ε fixed the map is off by O(ε/σ²)).
 * - layer-scale: one α per dense/conv layer, the product 1 along every path
 *   (networks without batch norm).
 * - residual-scale: one scale per residual stream (consecutive identity-skip
 *   blocks), shared by the layer that writes the stream and every block on
 *   it, undone by the layer that reads it.
 * - logit-shift (cross-entropy): a constant added to every output bias, a
 *   common vector to every row of the output layer.
 */
import type { Field, Scalar } from '../field/field.js';
import { InputError } from '../field/errors.js';
import { rationalField, toFraction } from '../field/rational.js';
import { HOMOGENEOUS_ACTIVATIONS, TRANSCENDENTAL_ACTIVATIONS, type LossName } from '../network/types.js';
import { flattenV2, parameterCountV2, unflattenV2, walkLayers, type NetworkV2 } from '../network/v2.js';
import { checkTransforms, identityTransform, mapOfTransforms, networkGraph, passThrough, transformSize, type ArchitectureMap, type EdgeTransform, type Graph, type Op } from './graph.js';

export type ArchitectureFamily = 'neuron-scale' | 'permutation' | 'sign-flip' | 'batchnorm-scale' | 'layer-scale' | 'residual-scale' | 'logit-shift';
export const ARCHITECTURE_FAMILIES: readonly ArchitectureFamily[] = ['layer-scale', 'neuron-scale', 'permutation', 'residual-scale', 'batchnorm-scale', 'sign-flip', 'logit-shift'];

export type SymmetryV2 =
  | { kind: 'neuron-scale'; at: string; scales: Scalar[] }
  | { kind: 'permutation'; at: string; perm: number[] }
  | { kind: 'sign-flip'; at: string; signs: number[] }
  /** `at` is the batch norm; `scales` multiply the layer feeding it. */
  | { kind: 'batchnorm-scale'; at: string; scales: Scalar[] }
  /** One α per dense and conv layer, in θ order. */
  | { kind: 'layer-scale'; alphas: Scalar[] }
  /** `at` is the stream's first residual block. */
  | { kind: 'residual-scale'; at: string; scale: Scalar }
  /** `bias` added to every output bias, `row` to every output row. */
  | { kind: 'logit-shift'; bias?: Scalar; row?: Scalar[] }
  | { kind: 'compose'; steps: SymmetryV2[] };

export interface FamilySite {
  kind: ArchitectureFamily;
  /** The layer the family acts at; absent for network-wide families. */
  at?: string;
  /** `count` numbers: positive scales, a permutation of 0..count−1, signs ±1, or reals. */
  space: { type: 'positive' | 'permutation' | 'sign' | 'real'; count: number };
  description: string;
}

const isWriter = (op: Op<unknown>) => op.layer !== 'add' && (op.layer.type === 'dense' || op.layer.type === 'conv2d');
const isBatchNorm = (op: Op<unknown>) => op.layer !== 'add' && op.layer.type === 'batchnorm';
const findOp = <T>(g: Graph<T>, at: string, field: string, test: (op: Op<T>) => boolean, what: string): Op<T> => {
  const op = g.ops.find((o) => o.path === at && o.layer !== 'add');
  if (!op || !test(op)) throw new InputError(field, at, what);
  return op;
};

/** Spreads a seed transform forward from `edge` through the ops it passes (batch norm only for a pure permutation). */
function propagate<T>(F: Field<T>, g: Graph<T>, edge: number, seed: EdgeTransform<T>, throughBatchNorm: boolean): EdgeTransform<T>[] {
  const t = g.shapes.map((s) => identityTransform(F, transformSize(s)));
  t[edge] = seed;
  const queue = [edge];
  while (queue.length > 0) {
    const e = queue.shift()!;
    for (const op of g.consumers[e]!) {
      const next = throughBatchNorm && isBatchNorm(op) ? t[e]! : passThrough(F, op, t[e]!, g.shapes);
      if (next) {
        t[op.output] = next;
        queue.push(op.output);
      }
    }
  }
  return t;
}

/** The ops a transform seeded at `edge` ends at (where propagation stopped). */
function absorbers<T>(F: Field<T>, g: Graph<T>, t: readonly EdgeTransform<T>[]): Op<T>[] {
  const moved = (e: number) => !t[e]!.scale.every((s) => F.equals(s, F.one)) || t[e]!.perm.some((p, i) => p !== i);
  return g.ops.filter((op) => op.inputs.some(moved) && !moved(op.output));
}

/**
 * σ per edge (one scale for all of an edge's channels) from a proposal for
 * each dense/conv/batchnorm output, overridden where the architecture fixes
 * it: `fixed` edges, 1 at the output and before tanh/softplus, a block
 * body's end equal to its skip. Ops in graph order: a block's body, then its
 * skip, then the sum.
 */
function solveScales<T>(F: Field<T>, g: Graph<T>, proposal: (op: Op<T>) => T, fixed = new Map<number, T>()): T[] {
  const sigma: (T | undefined)[] = g.shapes.map(() => undefined);
  sigma[0] = F.one;
  // Where an edge's σ is forced, looking ahead through the ops that pass a scale unchanged.
  const forced = (e: number): T | undefined => {
    if (fixed.has(e)) return fixed.get(e);
    if (e === g.output) return F.one;
    const consumers = g.consumers[e]!;
    if (consumers.length !== 1) return undefined;
    const op = consumers[0]!;
    if (op.layer === 'add') {
      const other = op.inputs[0] === e ? op.inputs[1]! : op.inputs[0]!;
      return sigma[other] ?? forced(op.output);
    }
    if (op.layer.type === 'activation' && TRANSCENDENTAL_ACTIVATIONS.includes(op.layer.activation)) return F.one;
    return passesScale(op) ? forced(op.output) : undefined;
  };
  for (const op of g.ops) {
    const input = sigma[op.inputs[0]!]!;
    sigma[op.output] = isWriter(op) || isBatchNorm(op) ? (forced(op.output) ?? proposal(op)) : input;
  }
  return sigma.map((s) => s!);
}

/** Whether a positive scale passes the op unchanged (ReLU-like activations, pooling, flatten). */
const passesScale = (op: Op<unknown>) => op.layer !== 'add' && (['maxpool2d', 'avgpool2d', 'flatten'].includes(op.layer.type) || (op.layer.type === 'activation' && HOMOGENEOUS_ACTIVATIONS.includes(op.layer.activation)));

const producerOf = <T>(g: Graph<T>, e: number) => g.ops.find((o) => o.output === e);

/** The edge a residual block (given by its sum) reads. */
function blockInput<T>(g: Graph<T>, add: Op<T>): number {
  const first = g.ops.find((o) => o.path === `${add.path}.body[0]`);
  return first ? first.inputs[0]! : add.inputs[0]!;
}

const isIdentityBlock = <T>(g: Graph<T>, add: Op<T>) => add.layer === 'add' && add.inputs[1] === blockInput(g, add);

/** The op writing edge `e`, back through the ops a positive scale passes. */
function writerOf<T>(g: Graph<T>, e: number): Op<T> | undefined {
  for (let producer = producerOf(g, e); producer; producer = producerOf(g, producer.inputs[0]!)) {
    if (!passesScale(producer)) return producer;
  }
  return undefined;
}

/** The first block of each residual stream: an identity-skip block whose input does not come from another. */
function streamStarts<T>(g: Graph<T>): Op<T>[] {
  return g.ops.filter((op) => {
    if (!isIdentityBlock(g, op)) return false;
    const before = writerOf(g, blockInput(g, op));
    return !(before && isIdentityBlock(g, before));
  });
}

/** σ = c on the stream from `start` on: fixed at its input, the solver carries it through the blocks to the reader. */
function residualAssignment<T>(F: Field<T>, g: Graph<T>, start: Op<T>, c: T, field: string): EdgeTransform<T>[] {
  const input = blockInput(g, start);
  const sigma = solveScales(F, g, () => F.one, new Map([[input, c]]));
  if (!F.equals(sigma[input]!, c)) throw new InputError(field, start.path, 'a residual stream written by a dense, conv or batchnorm layer (this one starts at the network input)');
  return uniform(g, sigma);
}

const uniform = <T>(g: Graph<T>, sigma: readonly T[]): EdgeTransform<T>[] => g.shapes.map((s, e) => ({ perm: Array.from({ length: transformSize(s) }, (_, i) => i), scale: new Array<T>(transformSize(s)).fill(sigma[e]!) }));

/** The dense/conv/batchnorm layer feeding `op`, back through the ops a positive scale passes. */
function writerFeeding<T>(g: Graph<T>, op: Op<T>): Op<T> | undefined {
  const writer = writerOf(g, op.inputs[0]!);
  return writer && (isWriter(writer) || isBatchNorm(writer)) ? writer : undefined;
}

/** Every dense/conv/batchnorm layer, in graph order. */
const writersAndNorms = <T>(g: Graph<T>) => g.ops.filter((op) => isWriter(op) || isBatchNorm(op));

/** The edge assignment of one (non-composite, non-shift) symmetry, unchecked. */
function assignment<T>(F: Field<T>, g: Graph<T>, sym: Exclude<SymmetryV2, { kind: 'compose' | 'logit-shift' }>, field: string): EdgeTransform<T>[] {
  const channelsAt = (op: Op<T>) => transformSize(g.shapes[op.output]!);
  const lengthCheck = (values: unknown, n: number, key: string, what: string) => {
    if (!Array.isArray(values) || values.length !== n) throw new InputError(`${field}.${key}`, values, `${n} ${what}`);
  };
  switch (sym.kind) {
    case 'neuron-scale':
    case 'sign-flip': {
      const op = findOp(g, sym.at, `${field}.at`, sym.kind === 'sign-flip' ? isWriter : (o) => isWriter(o) || isBatchNorm(o), sym.kind === 'sign-flip' ? 'the path of a dense or conv2d layer' : 'the path of a dense, conv2d or batchnorm layer');
      const values = sym.kind === 'neuron-scale' ? sym.scales : sym.signs;
      lengthCheck(values, channelsAt(op), sym.kind === 'neuron-scale' ? 'scales' : 'signs', sym.kind === 'neuron-scale' ? 'scales, one per output channel' : 'signs (1 or −1), one per output channel');
      const scale = values.map((v: Scalar) => F.fromScalar(v));
      return propagate(F, g, op.output, { perm: scale.map((_, i) => i), scale }, false);
    }
    case 'permutation': {
      const op = findOp(g, sym.at, `${field}.at`, (o) => isWriter(o) || isBatchNorm(o), 'the path of a dense, conv2d or batchnorm layer');
      const n = channelsAt(op);
      lengthCheck(sym.perm, n, 'perm', `channel indices, a permutation of 0..${n - 1}`);
      if (new Set(sym.perm).size !== n || !sym.perm.every((p) => Number.isInteger(p) && p >= 0 && p < n)) throw new InputError(`${field}.perm`, sym.perm, `a permutation of 0..${n - 1}`);
      return propagate(F, g, op.output, { perm: [...sym.perm], scale: new Array<T>(n).fill(F.one) }, true);
    }
    case 'batchnorm-scale': {
      const bn = findOp(g, sym.at, `${field}.at`, isBatchNorm, 'the path of a batchnorm layer');
      const writer = writerFeeding(g, bn);
      if (!writer) throw new InputError(`${field}.at`, sym.at, 'a batch norm fed (through activations, pooling or flatten) by a dense, conv2d or batchnorm layer');
      lengthCheck(sym.scales, channelsAt(writer), 'scales', 'scales, one per channel');
      const scale = sym.scales.map((v) => F.fromScalar(v));
      return propagate(F, g, writer.output, { perm: scale.map((_, i) => i), scale }, false);
    }
    case 'layer-scale': {
      if (g.ops.some(isBatchNorm)) throw new InputError(`${field}.kind`, 'layer-scale', 'a network without batch norm (a batch norm makes the scale before it free: use batchnorm-scale)');
      const writers = g.ops.filter(isWriter);
      lengthCheck(sym.alphas, writers.length, 'alphas', 'scales, one per dense or conv2d layer in θ order');
      // θ order is graph order for parameterised ops: the block body, then its skip.
      const sigma: T[] = g.shapes.map(() => F.one);
      for (const op of g.ops) {
        const input = sigma[op.inputs[0]!]!;
        const k = writers.indexOf(op);
        sigma[op.output] = k >= 0 ? F.mul(F.fromScalar(sym.alphas[k]!), input) : input;
      }
      return uniform(g, sigma);
    }
    case 'residual-scale': {
      const start = streamStarts(g).find((a) => a.path === sym.at);
      if (!start) throw new InputError(`${field}.at`, sym.at, `the path of the first residual block of a stream (${streamStarts(g).map((a) => a.path).join(', ') || 'this network has none'})`);
      return residualAssignment(F, g, start, F.fromScalar(sym.scale), field);
    }
  }
}

function checkScalars(values: readonly Scalar[], field: string, test: (q: ReturnType<typeof toFraction>) => boolean, what: string): void {
  values.forEach((v, i) => {
    const ok = typeof v === 'number' ? Number.isFinite(v) : true;
    if (!ok || !test(toFraction(v))) throw new InputError(`${field}[${i}]`, v, what);
  });
}

/** Throws an InputError unless `sym` is a symmetry of `net` (exactly, in rationals) under `loss`. */
export function validateSymmetryV2(net: NetworkV2<Scalar>, sym: SymmetryV2, loss: LossName | undefined, field = 'symmetry'): void {
  const F = rationalField;
  const exactNet = { inputShape: net.inputShape, layers: net.layers } as unknown as NetworkV2<never>;
  const g = networkGraph(exactNet) as Graph<never>;
  switch (sym.kind) {
    case 'compose':
      if (!Array.isArray(sym.steps)) throw new InputError(`${field}.steps`, sym.steps, 'an array of symmetries');
      sym.steps.forEach((s, i) => validateSymmetryV2(net, s, loss, `${field}.steps[${i}]`));
      return;
    case 'logit-shift': {
      if (loss !== 'cross-entropy') throw new InputError(`${field}.kind`, 'logit-shift', 'a network trained with cross-entropy (softmax ignores a common shift; mse does not)');
      const last = lastDense(net);
      if (!last) throw new InputError(`${field}.kind`, 'logit-shift', 'a network whose output layer is dense');
      if (sym.bias !== undefined && !last.bias) throw new InputError(`${field}.bias`, sym.bias, 'no bias shift: the output layer has no bias');
      if (sym.row !== undefined && (!Array.isArray(sym.row) || sym.row.length !== last.inputs)) throw new InputError(`${field}.row`, sym.row, `${last.inputs} numbers, one per input of the output layer`);
      checkScalars([...(sym.bias !== undefined ? [sym.bias] : []), ...(sym.row ?? [])], `${field}.shift`, () => true, 'a finite number');
      return;
    }
    case 'neuron-scale':
    case 'batchnorm-scale':
      if (Array.isArray(sym.scales)) checkScalars(sym.scales, `${field}.scales`, (q) => q.s > 0n && q.n !== 0n, 'a positive finite scale');
      break;
    case 'sign-flip':
      if (Array.isArray(sym.signs) && !sym.signs.every((s) => s === 1 || s === -1)) throw new InputError(`${field}.signs`, sym.signs, 'signs, each 1 or −1');
      break;
    case 'layer-scale':
      if (Array.isArray(sym.alphas)) checkScalars(sym.alphas, `${field}.alphas`, (q) => q.s > 0n && q.n !== 0n, 'a positive finite scale');
      break;
    case 'permutation':
      break;
    case 'residual-scale':
      checkScalars([sym.scale], `${field}.scale`, (q) => q.s > 0n && q.n !== 0n, 'a positive finite scale');
      break;
    default:
      throw new InputError(`${field}.kind`, (sym as { kind: unknown }).kind, [...ARCHITECTURE_FAMILIES, 'compose'].map((k) => `"${k}"`).join(', '));
  }
  const exactGraph = g as unknown as Graph<ReturnType<typeof toFraction>>;
  const t = assignment(F, exactGraph, sym, field);
  checkTransforms(F, exactGraph, t, field);
  // One name per symmetry: a scale a batch norm absorbs is that batch norm's family.
  const norm = sym.kind === 'neuron-scale' ? absorbers(F, exactGraph, t).find(isBatchNorm) : undefined;
  if (norm) throw new InputError(`${field}.kind`, 'neuron-scale', `batchnorm-scale at ${norm.path}: the batch norm there absorbs this scale (its statistics move with it)`);
}

function lastDense<T>(net: NetworkV2<T>) {
  const last = net.layers.at(-1);
  if (last?.type === 'dense') return last;
  const before = net.layers.at(-2);
  return last?.type === 'activation' && last.activation === 'linear' && before?.type === 'dense' ? before : undefined;
}

function composeMaps<T>(F: Field<T>, first: ArchitectureMap<T>, second: ArchitectureMap<T>): ArchitectureMap<T> {
  return {
    source: second.source.map((j) => first.source[j]!),
    scale: second.source.map((j, i) => F.mul(second.scale[i]!, first.scale[j]!)),
    ...((first.offset || second.offset) && { offset: second.source.map((j, i) => F.add(F.mul(second.scale[i]!, first.offset?.[j] ?? F.zero), second.offset?.[i] ?? F.zero)) }),
    state: (net) => second.state(first.state(net)),
  };
}

/**
 * The map of `sym` on θ and on the state, unvalidated: validate first
 * (`validateSymmetryV2`), or use it unvalidated for a negative control,
 * which must produce a wrong network for the suite to catch.
 */
export function architectureMap<T>(F: Field<T>, net: NetworkV2<T>, sym: SymmetryV2, field = 'symmetry'): ArchitectureMap<T> {
  const P = parameterCountV2(net);
  if (sym.kind === 'compose') {
    return sym.steps.reduce<ArchitectureMap<T>>((acc, step, i) => composeMaps(F, acc, architectureMap(F, net, step, `${field}.steps[${i}]`)), { source: Array.from({ length: P }, (_, i) => i), scale: new Array<T>(P).fill(F.one), state: (n) => n });
  }
  const g = networkGraph(net);
  if (sym.kind === 'logit-shift') {
    const offset = new Array<T>(P).fill(F.zero);
    const op = [...g.ops].reverse().find(isWriter)!;
    const last = op.layer as Extract<typeof op.layer, { type: 'dense' }>;
    for (let o = 0; o < last.outputs; o++) {
      sym.row?.forEach((v, i) => (offset[op.offset + o * last.inputs + i] = F.fromScalar(v)));
      if (sym.bias !== undefined) offset[op.offset + last.outputs * last.inputs + o] = F.fromScalar(sym.bias);
    }
    return { source: Array.from({ length: P }, (_, i) => i), scale: new Array<T>(P).fill(F.one), offset, state: (n) => n };
  }
  return mapOfTransforms(F, g, assignment(F, g, sym, field), P);
}

/** The transformed network: its θ through the map, its state moved with it. */
export function applySymmetryV2<T>(F: Field<T>, net: NetworkV2<T>, sym: SymmetryV2): NetworkV2<T> {
  const map = architectureMap(F, net, sym);
  const theta = flattenV2(net);
  const moved = map.source.map((j, i) => F.add(F.mul(map.scale[i]!, theta[j]!), map.offset?.[i] ?? F.zero));
  return unflattenV2(map.state(net), moved);
}

/** Whether an unchecked assignment is a symmetry (used to find the valid sites). */
function holds<T>(F: Field<T>, g: Graph<T>, t: EdgeTransform<T>[]): boolean {
  try {
    checkTransforms(F, g, t, 'symmetry');
    return true;
  } catch (e) {
    if (e instanceof InputError) return false;
    throw e;
  }
}

/**
 * The symmetry families this network has under this loss, each at its site.
 * A family is listed where a generic element of it (distinct scales 2, 3,
 * …; a cyclic permutation) is an exact symmetry; layer-scale and
 * residual-scale where they have a free parameter.
 */
export function symmetriesOf(net: NetworkV2<Scalar>, loss?: LossName): FamilySite[] {
  const F = rationalField;
  const exact = net as unknown as NetworkV2<ReturnType<typeof toFraction>>;
  const g = networkGraph({ inputShape: exact.inputShape, layers: exact.layers.map((l) => l) } as NetworkV2<never>) as unknown as Graph<ReturnType<typeof toFraction>>;
  const sites: FamilySite[] = [];
  const generic = (n: number) => Array.from({ length: n }, (_, i) => F.fromScalar(i + 2));
  const describe = (op: Op<unknown>) => `${op.path} (${op.layer === 'add' ? 'sum' : op.layer.type})`;
  for (const op of writersAndNorms(g)) {
    const n = transformSize(g.shapes[op.output]!);
    const scaled = propagate(F, g, op.output, { perm: Array.from({ length: n }, (_, i) => i), scale: generic(n) }, false);
    if (holds(F, g, scaled)) {
      const ends = absorbers(F, g, scaled);
      if (ends.every(isWriter)) sites.push({ kind: 'neuron-scale', at: op.path, space: { type: 'positive', count: n }, description: `each output channel of ${describe(op)} times c > 0, undone by ${ends.map((e) => e.path).join(' and ')}` });
      for (const bn of ends.filter(isBatchNorm)) {
        if (!sites.some((s) => s.kind === 'batchnorm-scale' && s.at === bn.path)) sites.push({ kind: 'batchnorm-scale', at: bn.path, space: { type: 'positive', count: n }, description: `${describe(op)} times c > 0 per channel, absorbed by the batch norm ${bn.path} (running mean × c, variance and ε × c²)` });
      }
    }
    if (n > 1) {
      const cyclic = Array.from({ length: n }, (_, i) => (i + 1) % n);
      if (holds(F, g, propagate(F, g, op.output, { perm: cyclic, scale: new Array(n).fill(F.one) }, true))) sites.push({ kind: 'permutation', at: op.path, space: { type: 'permutation', count: n }, description: `the output channels of ${describe(op)} permuted, with everything they feed` });
    }
    if (isWriter(op)) {
      const flipped = propagate(F, g, op.output, { perm: Array.from({ length: n }, (_, i) => i), scale: new Array(n).fill(F.fromScalar(-1)) }, false);
      if (holds(F, g, flipped) && absorbers(F, g, flipped).some((a) => a.layer !== 'add' && a.layer.type === 'activation' && a.layer.activation === 'abs')) {
        sites.push({ kind: 'sign-flip', at: op.path, space: { type: 'sign', count: n }, description: `the output channels of ${describe(op)} negated, which the |·| after them ignores` });
      }
    }
  }
  const writers = g.ops.filter(isWriter);
  if (!g.ops.some(isBatchNorm) && writers.length > 0) {
    const alphas = fitLayerScale(net, writers.map((_, k) => k + 2));
    if (alphas.some((a) => !toFraction(a).equals(1))) sites.push({ kind: 'layer-scale', space: { type: 'positive', count: writers.length }, description: `one α > 0 per dense/conv layer (${writers.length}), the product 1 along every path from input to output` });
  }
  for (const start of streamStarts(g)) {
    try {
      const t = residualAssignment(F, g, start, F.fromScalar(2), 'symmetry');
      if (holds(F, g, t)) sites.push({ kind: 'residual-scale', at: start.path, space: { type: 'positive', count: 1 }, description: `the residual stream from ${start.path} times c > 0: its writer and every block on it, undone by its reader` });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
  }
  const last = lastDense(net);
  if (loss === 'cross-entropy' && last) sites.push({ kind: 'logit-shift', space: { type: 'real', count: last.inputs + (last.bias ? 1 : 0) }, description: 'a common vector added to every row of the output layer (and a constant to every output bias): softmax ignores a shift common to all logits' });
  return sites;
}

/**
 * Valid layer-scale α from any positive proposals (one per dense/conv
 * layer): each layer whose output scale the architecture fixes (the last
 * one before the output, a tanh, or a block's sum) gets the α that meets
 * it, exactly (as a rational).
 */
export function fitLayerScale(net: NetworkV2<Scalar>, proposals: readonly Scalar[]): Scalar[] {
  const F = rationalField;
  const g = networkGraph(net as unknown as NetworkV2<never>) as unknown as Graph<ReturnType<typeof toFraction>>;
  const writers = g.ops.filter(isWriter);
  if (proposals.length !== writers.length) throw new InputError('proposals', proposals.length, `${writers.length} scales, one per dense or conv2d layer`);
  const sigma = solveScales(F, g, (op) => toFraction(proposals[writers.indexOf(op)]!));
  return writers.map((op) => sigma[op.output]!.div(sigma[op.inputs[0]!]!));
}

/**
 * An element of a listed family from raw numbers (a generator's draw):
 * positives for scales, any reals ranked into a permutation, signs from the
 * reals' signs, and layer-scale fitted (fitLayerScale).
 */
export function symmetryAt(net: NetworkV2<Scalar>, site: FamilySite, raw: readonly number[]): SymmetryV2 {
  const n = site.space.count;
  if (raw.length < n) throw new InputError('raw', raw.length, `at least ${n} numbers`);
  const values = raw.slice(0, n);
  switch (site.kind) {
    case 'neuron-scale':
    case 'batchnorm-scale':
      return { kind: site.kind, at: site.at!, scales: values.map(Math.abs).map((v) => (v === 0 ? 1 : v)) };
    case 'permutation':
      return { kind: 'permutation', at: site.at!, perm: values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i) };
    case 'sign-flip':
      return { kind: 'sign-flip', at: site.at!, signs: values.map((v) => (v < 0 ? -1 : 1)) };
    case 'layer-scale':
      return { kind: 'layer-scale', alphas: fitLayerScale(net, values.map(Math.abs).map((v) => (v === 0 ? 1 : v))) };
    case 'residual-scale':
      return { kind: 'residual-scale', at: site.at!, scale: Math.abs(values[0]!) || 1 };
    case 'logit-shift': {
      const last = lastDense(net)!;
      return last.bias ? { kind: 'logit-shift', row: values.slice(0, last.inputs), bias: values[last.inputs]! } : { kind: 'logit-shift', row: values };
    }
  }
}

/**
 * Relative rounding of each θ entry when `sym` is built and applied in a
 * float field (tolerance.ts): per step, a scale is a quotient of two edge
 * scales, each a product of at most one factor per dense/conv/batchnorm
 * layer (D of them), then one multiplication applies it: (2D + 3)·u. A
 * permutation moves entries exactly; the logit shift rounds each entry once.
 */
export function floatArchitecturePerturbation(net: NetworkV2<unknown>, sym: SymmetryV2, u: number): number {
  if (sym.kind === 'compose') return sym.steps.reduce((r, s) => r + floatArchitecturePerturbation(net, s, u), 0);
  if (sym.kind === 'permutation' || sym.kind === 'sign-flip') return 0; // entries move, or change sign, exactly
  if (sym.kind === 'logit-shift') return u;
  let depth = 0;
  walkLayers(net.layers, (l) => (depth += l.type === 'dense' || l.type === 'conv2d' || l.type === 'batchnorm' ? 1 : 0));
  return (2 * depth + 3) * u;
}

/** A short human-readable description, for counterexamples and reports. */
export function describeSymmetryV2(sym: SymmetryV2): string {
  const s = (x: Scalar) => (typeof x === 'number' ? String(x) : x.toFraction());
  switch (sym.kind) {
    case 'neuron-scale':
    case 'batchnorm-scale':
      return `${sym.kind} at ${sym.at} c=[${sym.scales.map(s).join(', ')}]`;
    case 'permutation':
      return `permutation at ${sym.at} [${sym.perm.join(', ')}]`;
    case 'sign-flip':
      return `sign-flip at ${sym.at} [${sym.signs.join(', ')}]`;
    case 'layer-scale':
      return `layer-scale α=[${sym.alphas.map(s).join(', ')}]`;
    case 'residual-scale':
      return `residual-scale at ${sym.at} c=${s(sym.scale)}`;
    case 'logit-shift':
      return `logit-shift${sym.bias !== undefined ? ` bias +${s(sym.bias)}` : ''}${sym.row ? ` row +[${sym.row.map(s).join(', ')}]` : ''}`;
    case 'compose':
      return `compose(${sym.steps.map(describeSymmetryV2).join(' ; ')})`;
  }
}
