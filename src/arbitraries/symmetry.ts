/**
 * Symmetries drawn independently of the network's shape, then fitted to it
 * (`fitSymmetry`): every hidden layer and width gets its values from fixed
 * pools, so shrinking the network never invalidates the symmetry and
 * fc.tuple(network, symmetry) shrinks both sides cleanly.
 */
import fc from 'fast-check';
import { Fraction } from 'fraction.js';
import type { Scalar } from '../field/field.js';
import { isFraction } from '../field/rational.js';
import type { NetworkShape } from '../network/types.js';
import type { Symmetry, SymmetryKind } from '../symmetry/index.js';
import { exactScale, logUniformScale } from './scalars.js';
import { MAX_HIDDEN } from './network.js';

/** A symmetry before it knows the network: a kind, a layer choice and pools of values. */
export type RawSymmetry =
  | { kind: SymmetryKind; layerChoice: number; values: Scalar[]; keys: number[] }
  | { kind: 'compose'; steps: RawSymmetry[] };

export const POOL = 32;

export interface SymmetryArbitraryOptions {
  kinds?: readonly SymmetryKind[];
  /** 'exact': Fraction scales (p/q)·2^e; 'float': log-uniform numbers 10^±decades. */
  scales?: 'exact' | 'float';
  decades?: number;
  /** Also draw compositions of up to 3 symmetries. */
  compose?: boolean;
  /** Override the scale arbitrary (negative controls draw negative scales). */
  scaleArbitrary?: fc.Arbitrary<Scalar>;
}

export function rawSymmetryArbitrary(options: SymmetryArbitraryOptions = {}): fc.Arbitrary<RawSymmetry> {
  const kinds = options.kinds ?? ['layer-scale', 'neuron-scale', 'permutation'];
  const scale: fc.Arbitrary<Scalar> =
    options.scaleArbitrary ?? (options.scales === 'float' ? logUniformScale(options.decades ?? 6) : exactScale());
  const single: fc.Arbitrary<RawSymmetry> = fc.record({
    kind: fc.constantFrom(...kinds),
    layerChoice: fc.nat({ max: MAX_HIDDEN - 1 }),
    values: fc.array(scale, { minLength: POOL, maxLength: POOL }),
    keys: fc.array(fc.nat({ max: 1000 }), { minLength: POOL, maxLength: POOL }),
  });
  if (!options.compose) return single;
  return fc.oneof(
    { arbitrary: single, weight: 3 },
    { arbitrary: fc.array(single, { minLength: 2, maxLength: 3 }).map((steps): RawSymmetry => ({ kind: 'compose', steps })), weight: 1 },
  );
}

function product(values: readonly Scalar[]): Scalar {
  if (values.every(isFraction)) return values.reduce((p, v) => p.mul(v), new Fraction(1n, 1n));
  return values.reduce<number>((p, v) => p * (isFraction(v) ? v.valueOf() : v), 1);
}

function reciprocal(x: Scalar): Scalar {
  return isFraction(x) ? x.inverse() : 1 / x;
}

/** Stable argsort of keys: ties keep index order, so all-equal keys give the identity. */
function argsort(keys: readonly number[]): number[] {
  return keys.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
}

/**
 * The symmetry `raw` describes on a network of this shape. A layer-scale's
 * last α is 1/∏ of the others (exact for Fractions), so ∏α = 1. A network
 * without hidden layers only has the layer-scales.
 */
export function fitSymmetry(raw: RawSymmetry, shape: NetworkShape): Symmetry {
  if (raw.kind === 'compose') return { kind: 'compose', steps: raw.steps.map((s) => fitSymmetry(s, shape)) };
  const K = shape.sizes.length;
  const hidden = K - 1;
  if (raw.kind === 'layer-scale' || hidden === 0) {
    const free = raw.values.slice(0, K - 1);
    return { kind: 'layer-scale', alphas: [...free, reciprocal(product(free))] };
  }
  // Clamped, not modulo: removing an earlier layer while shrinking keeps the last one chosen.
  const layer = Math.min(raw.layerChoice + 1, hidden);
  const width = shape.sizes[layer - 1]!;
  if (raw.kind === 'neuron-scale') return { kind: 'neuron-scale', layer, scales: raw.values.slice(0, width) };
  return { kind: 'permutation', layer, perm: argsort(raw.keys.slice(0, width)) };
}

/** The kinds a (fitted) symmetry is made of, for fc.statistics and coverage checks. */
export function kindsOf(sym: Symmetry): SymmetryKind[] {
  return sym.kind === 'compose' ? sym.steps.flatMap(kindsOf) : [sym.kind];
}
