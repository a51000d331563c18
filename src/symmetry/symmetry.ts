/**
 * Symmetries of rectifier networks (THEORY.md §1): layer-scale, neuron-scale,
 * permutation of hidden units, and their compositions. Each is a monomial
 * linear map on the flat θ — a permutation times a positive diagonal — so
 * one representation serves applying, inverting, composing and the Jacobian
 * laws `∇L(Sθ) = S⁻ᵀ∇L(θ)`, `∇²L(Sθ) = S⁻ᵀ ∇²L(θ) S⁻¹`.
 */
import type { Field, Scalar } from '../field/field.js';
import { InputError } from '../field/errors.js';
import { isFraction } from '../field/rational.js';
import { flatten, parameterCount, parameterOffsets, unflatten } from '../network/flat.js';
import { shapeOf, type Network, type NetworkShape } from '../network/types.js';

export type SymmetryKind = 'layer-scale' | 'neuron-scale' | 'permutation';
export const SYMMETRY_KINDS: readonly SymmetryKind[] = ['layer-scale', 'neuron-scale', 'permutation'];

export type Symmetry =
  /** W_k ↦ α_k W_k, b_k ↦ (α_1⋯α_k) b_k; α_k > 0 and ∏α_k = 1. One α per layer, output layer included. */
  | { kind: 'layer-scale'; alphas: Scalar[] }
  /** Hidden layer `layer` (1-based): row j of W and b[j] times c_j, column j of the next W divided by c_j. */
  | { kind: 'neuron-scale'; layer: number; scales: Scalar[] }
  /** Hidden layer `layer` (1-based): new unit i is old unit perm[i] (rows of W and b, columns of the next W). */
  | { kind: 'permutation'; layer: number; perm: number[] }
  /** steps[0] first, then steps[1], … */
  | { kind: 'compose'; steps: Symmetry[] };

/** (Sθ)_i = scale_i · θ_{source_i}: a permutation times a diagonal. */
export interface MonomialMap<T> {
  source: number[];
  scale: T[];
}

function checkScale(x: Scalar, field: string): void {
  const ok = isFraction(x) ? x.s > 0n && x.n !== 0n : Number.isFinite(x) && x > 0;
  if (!ok) throw new InputError(field, x, 'a positive finite scale');
}

function checkHiddenLayer(shape: NetworkShape, layer: number, field: string): number {
  const hidden = shape.sizes.length - 1;
  if (!Number.isInteger(layer) || layer < 1 || layer > hidden) {
    throw new InputError(field, layer, hidden === 0 ? 'a hidden layer, but this network has none' : `a hidden layer between 1 and ${hidden}`);
  }
  return shape.sizes[layer - 1]!;
}

/**
 * Throws an InputError unless `sym` is a valid symmetry for this shape:
 * positive finite scales, ∏α_k = 1 (exactly in an exact field; within the
 * product's own rounding, 2K·u, otherwise), lengths and indices in range.
 */
export function validateSymmetry<T>(F: Field<T>, shape: NetworkShape, sym: Symmetry, field = 'symmetry'): void {
  switch (sym.kind) {
    case 'layer-scale': {
      const K = shape.sizes.length;
      if (!Array.isArray(sym.alphas) || sym.alphas.length !== K) {
        throw new InputError(`${field}.alphas`, sym.alphas, `${K} scales, one per layer`);
      }
      sym.alphas.forEach((a, k) => checkScale(a, `${field}.alphas[${k}]`));
      const product = sym.alphas.reduce<T>((p, a) => F.mul(p, F.fromScalar(a)), F.one);
      const gap = F.toNumber(F.abs(F.sub(product, F.one)));
      const ok = F.exact ? F.equals(product, F.one) : gap <= 2 * K * F.unitRoundoff;
      if (!ok) throw new InputError(`${field}.alphas`, sym.alphas, `scales whose product is 1 (it is ${F.toString(product)})`);
      return;
    }
    case 'neuron-scale': {
      const width = checkHiddenLayer(shape, sym.layer, `${field}.layer`);
      if (!Array.isArray(sym.scales) || sym.scales.length !== width) {
        throw new InputError(`${field}.scales`, sym.scales, `${width} scales, one per unit of hidden layer ${sym.layer}`);
      }
      sym.scales.forEach((c, j) => checkScale(c, `${field}.scales[${j}]`));
      return;
    }
    case 'permutation': {
      const width = checkHiddenLayer(shape, sym.layer, `${field}.layer`);
      if (!Array.isArray(sym.perm)) throw new InputError(`${field}.perm`, sym.perm, `a permutation of 0..${width - 1}`);
      const seen = new Set(sym.perm);
      const ok = Array.isArray(sym.perm) && sym.perm.length === width && seen.size === width && sym.perm.every((p) => Number.isInteger(p) && p >= 0 && p < width);
      if (!ok) throw new InputError(`${field}.perm`, sym.perm, `a permutation of 0..${width - 1}`);
      return;
    }
    case 'compose':
      if (!Array.isArray(sym.steps)) throw new InputError(`${field}.steps`, sym.steps, 'an array of symmetries');
      sym.steps.forEach((s, i) => validateSymmetry(F, shape, s, `${field}.steps[${i}]`));
      return;
    default:
      throw new InputError(`${field}.kind`, (sym as { kind: unknown }).kind, SYMMETRY_KINDS.concat(['compose'] as never[]).map((k) => `"${k}"`).join(', '));
  }
}

export function identityMap<T>(F: Field<T>, n: number): MonomialMap<T> {
  return { source: Array.from({ length: n }, (_, i) => i), scale: Array.from({ length: n }, () => F.one) };
}

/** `second ∘ first`: apply `first`, then `second`. */
export function composeMaps<T>(F: Field<T>, first: MonomialMap<T>, second: MonomialMap<T>): MonomialMap<T> {
  return {
    source: second.source.map((j) => first.source[j]!),
    scale: second.source.map((j, i) => F.mul(second.scale[i]!, first.scale[j]!)),
  };
}

/** S⁻¹, exact in an exact field. */
export function invertMap<T>(F: Field<T>, map: MonomialMap<T>): MonomialMap<T> {
  const source = new Array<number>(map.source.length);
  const scale = new Array<T>(map.source.length);
  map.source.forEach((j, i) => {
    source[j] = i;
    scale[j] = F.div(F.one, map.scale[i]!);
  });
  return { source, scale };
}

export function applyMap<T>(F: Field<T>, map: MonomialMap<T>, theta: readonly T[]): T[] {
  if (theta.length !== map.source.length) throw new RangeError(`theta: expected ${map.source.length} parameters, got ${theta.length}`);
  return map.source.map((j, i) => F.mul(map.scale[i]!, theta[j]!));
}

/** The dense matrix S (row i has scale_i in column source_i). */
export function mapToDense<T>(F: Field<T>, map: MonomialMap<T>): T[][] {
  return map.source.map((j, i) => map.scale.map((_, c) => (c === j ? map.scale[i]! : F.zero)));
}

/** The monomial map of a (validated) symmetry on θ of this shape. */
export function symmetryMap<T>(F: Field<T>, shape: NetworkShape, sym: Symmetry): MonomialMap<T> {
  validateSymmetry(F, shape, sym);
  return buildMap(F, shape, sym);
}

/**
 * The map without validation: for negative controls only (a negative scale
 * must produce a *wrong* network for the suite to catch, not an InputError).
 */
export function unvalidatedSymmetryMap<T>(F: Field<T>, shape: NetworkShape, sym: Symmetry): MonomialMap<T> {
  return buildMap(F, shape, sym);
}

/**
 * Relative rounding of each θ entry when `sym` is built and applied in a float
 * field: per step at most K multiplications for the cumulative bias scale, one
 * reciprocal, one application and one composition, and the float product ∏α
 * may miss 1 by 2K·u (a relative change of the outputs, charged to the weights).
 */
export function floatSymmetryPerturbation(sym: Symmetry, layers: number, u: number): number {
  const steps = (s: Symmetry): number => (s.kind === 'compose' ? s.steps.reduce((n, t) => n + steps(t), 0) : 1);
  return steps(sym) * (3 * layers + 3) * u;
}

function buildMap<T>(F: Field<T>, shape: NetworkShape, sym: Symmetry): MonomialMap<T> {
  const map = identityMap(F, parameterCount(shape));
  const { weightOffset, biasOffset, fanIn } = parameterOffsets(shape);
  const scaleEntry = (i: number, factor: T) => (map.scale[i] = F.mul(map.scale[i]!, factor));
  switch (sym.kind) {
    case 'layer-scale': {
      let cumulative = F.one;
      shape.sizes.forEach((out, k) => {
        const alpha = F.fromScalar(sym.alphas[k]!);
        cumulative = F.mul(cumulative, alpha);
        for (let i = 0; i < out * fanIn[k]!; i++) scaleEntry(weightOffset[k]! + i, alpha);
        if (biasOffset[k]! >= 0) for (let i = 0; i < out; i++) scaleEntry(biasOffset[k]! + i, cumulative);
      });
      return map;
    }
    case 'neuron-scale': {
      const k = sym.layer - 1;
      const nextIn = shape.sizes[k]!;
      sym.scales.forEach((c, j) => {
        const up = F.fromScalar(c);
        const down = F.div(F.one, up);
        for (let i = 0; i < fanIn[k]!; i++) scaleEntry(weightOffset[k]! + j * fanIn[k]! + i, up);
        if (biasOffset[k]! >= 0) scaleEntry(biasOffset[k]! + j, up);
        for (let r = 0; r < shape.sizes[k + 1]!; r++) scaleEntry(weightOffset[k + 1]! + r * nextIn + j, down);
      });
      return map;
    }
    case 'permutation': {
      const k = sym.layer - 1;
      const width = shape.sizes[k]!;
      sym.perm.forEach((from, to) => {
        for (let i = 0; i < fanIn[k]!; i++) map.source[weightOffset[k]! + to * fanIn[k]! + i] = weightOffset[k]! + from * fanIn[k]! + i;
        if (biasOffset[k]! >= 0) map.source[biasOffset[k]! + to] = biasOffset[k]! + from;
        for (let r = 0; r < shape.sizes[k + 1]!; r++) map.source[weightOffset[k + 1]! + r * width + to] = weightOffset[k + 1]! + r * width + from;
      });
      return map;
    }
    case 'compose':
      return sym.steps.reduce((acc, step) => composeMaps(F, acc, buildMap(F, shape, step)), map);
  }
}

/**
 * The gradient law for a linear symmetry: ∇L(Sθ) = S⁻ᵀ ∇L(θ). For the
 * monomial S (row i has s_i in column π_i), (S⁻ᵀ g)_i = g_{π_i} / s_i.
 */
export function transformGradient<T>(F: Field<T>, map: MonomialMap<T>, g: readonly T[]): T[] {
  return map.source.map((j, i) => F.div(g[j]!, map.scale[i]!));
}

/** The Hessian law ∇²L(Sθ) = S⁻ᵀ ∇²L(θ) S⁻¹: entry (i, j) is H_{π_i π_j} / (s_i s_j). */
export function transformHessian<T>(F: Field<T>, map: MonomialMap<T>, H: readonly (readonly T[])[]): T[][] {
  return map.source.map((pi, i) => map.source.map((pj, j) => F.div(H[pi]![pj]!, F.mul(map.scale[i]!, map.scale[j]!))));
}

/** The network Sθ. */
export function applySymmetry<T>(F: Field<T>, net: Network<T>, sym: Symmetry): Network<T> {
  const map = symmetryMap(F, shapeOf(net), sym);
  return unflatten(net, applyMap(F, map, flatten(net)));
}

/** S⁻¹ as a symmetry: reciprocal scales (exact when they are Fractions), inverse permutations, reversed steps. */
export function inverseSymmetry(sym: Symmetry): Symmetry {
  const reciprocal = (x: Scalar): Scalar => (isFraction(x) ? x.inverse() : 1 / x);
  switch (sym.kind) {
    case 'layer-scale':
      return { kind: 'layer-scale', alphas: sym.alphas.map(reciprocal) };
    case 'neuron-scale':
      return { kind: 'neuron-scale', layer: sym.layer, scales: sym.scales.map(reciprocal) };
    case 'permutation': {
      const perm = new Array<number>(sym.perm.length);
      sym.perm.forEach((from, to) => (perm[from] = to));
      return { kind: 'permutation', layer: sym.layer, perm };
    }
    case 'compose':
      return { kind: 'compose', steps: sym.steps.map(inverseSymmetry).reverse() };
  }
}

/** A short human-readable description, for test names and reports. */
export function describeSymmetry(sym: Symmetry): string {
  const s = (x: Scalar) => (isFraction(x) ? x.toFraction() : String(x));
  switch (sym.kind) {
    case 'layer-scale':
      return `layer-scale α=[${sym.alphas.map(s).join(', ')}]`;
    case 'neuron-scale':
      return `neuron-scale layer ${sym.layer} c=[${sym.scales.map(s).join(', ')}]`;
    case 'permutation':
      return `permutation layer ${sym.layer} [${sym.perm.join(', ')}]`;
    case 'compose':
      return `compose(${sym.steps.map(describeSymmetry).join(' ; ')})`;
  }
}
