/**
 * Dinh et al.'s answer to Keskar, made concrete: power-of-two layer- and
 * neuron-scalings, chosen by a rule, that make the small-batch network
 * sharper than the large-batch one (every non-invariant measure is
 * unbounded along them) and the large-batch one flatter; and the exact proof
 * that they change nothing the network computes: rational forward passes of
 * both networks on every sample, compared for equality.
 */
import type { Fraction } from 'fraction.js';
import { float64Field } from '../field/float64.js';
import { exactFraction, powerOfTwo, rationalField as Q } from '../field/rational.js';
import { flatten, parameterOffsets } from '../network/flat.js';
import { forward } from '../network/forward.js';
import { shapeOf, type Network } from '../network/types.js';
import { networkIn } from '../network/index.js';
import { applyMap, applySymmetry, symmetryMap, unvalidatedSymmetryMap, type Symmetry } from '../symmetry/index.js';
import type { Classification } from './data.js';

/**
 * A scaling by powers of two, kept as exponents so that the same map is
 * built exactly (Fractions) and in floats (where it is exact too, away from
 * subnormals and overflow).
 */
export type PowerOfTwoScaling =
  | { kind: 'layer-scale'; exponents: number[] }
  | { kind: 'neuron-scale'; layers: { layer: number; exponents: number[] }[] };

export function scalingSymmetry<T extends number | Fraction>(s: PowerOfTwoScaling, scale: (e: number) => T): Symmetry {
  if (s.kind === 'layer-scale') return { kind: 'layer-scale', alphas: s.exponents.map(scale) };
  const steps: Symmetry[] = s.layers.map((l) => ({ kind: 'neuron-scale', layer: l.layer, scales: l.exponents.map(scale) }));
  return steps.length === 1 ? steps[0]! : { kind: 'compose', steps };
}

export const exactSymmetry = (s: PowerOfTwoScaling) => scalingSymmetry(s, powerOfTwo);
export const floatSymmetry = (s: PowerOfTwoScaling) => scalingSymmetry(s, (e) => 2 ** e);

export function describeScaling(s: PowerOfTwoScaling): string {
  const pow = (e: number) => (e === 0 ? '1' : `2^${e}`);
  if (s.kind === 'layer-scale') return `α = (${s.exponents.map(pow).join(', ')})`;
  return s.layers
    .map((l) => {
      const scaled = l.exponents.flatMap((e, j) => (e === 0 ? [] : [`c${j}=${pow(e)}`]));
      return `layer ${l.layer}: ${scaled.length ? scaled.join(' ') : 'none'}`;
    })
    .join('; ');
}

/** The float network T θ (the one the measures are re-taken on). */
export function applyScaling(net: Network<number>, s: PowerOfTwoScaling): Network<number> {
  return applySymmetry(float64Field, net, floatSymmetry(s));
}

/** Layer-scale that shrinks the first layer and grows the last by 2^t: along it every measure here is unbounded. */
export function sharpeningLayerScale(net: Network<number>, t: number): PowerOfTwoScaling {
  const K = net.layers.length;
  return { kind: 'layer-scale', exponents: Array.from({ length: K }, (_, k) => (k === 0 ? -t : k === K - 1 ? t : 0)) };
}

/**
 * Neuron-scale of one unit of hidden layer 1 by 2^-t: the unit whose incoming
 * weights and bias carry the most Hessian diagonal (that mass grows by 4^t).
 */
export function sharpeningNeuronScale(net: Network<number>, hessianDiagonal: readonly number[], t: number): PowerOfTwoScaling {
  const width = net.layers[0]!.weights.length;
  const mass = Array.from({ length: width }, (_, j) => incomingIndices(net, 0, j).reduce((s, i) => s + hessianDiagonal[i]!, 0));
  const unit = mass.indexOf(Math.max(...mass));
  return { kind: 'neuron-scale', layers: [{ layer: 1, exponents: mass.map((_, j) => (j === unit ? -t : 0)) }] };
}

/** Positions in θ of unit j's incoming weights and bias, in layer k (0-based). */
function incomingIndices(net: Network<number>, k: number, j: number): number[] {
  const { weightOffset, biasOffset, fanIn } = parameterOffsets(shapeOf(net));
  const indices = Array.from({ length: fanIn[k]! }, (_, i) => weightOffset[k]! + j * fanIn[k]! + i);
  if (biasOffset[k]! >= 0) indices.push(biasOffset[k]! + j);
  return indices;
}

/** Tr ∇²L(Sθ) = Σ H_ii / s_i² for a diagonal S, exactly (the Hessian law), from the diagonal alone. */
export function predictedTrace(net: Network<number>, hessianDiagonal: readonly number[], s: PowerOfTwoScaling): number {
  const { scale } = symmetryMap(float64Field, shapeOf(net), floatSymmetry(s));
  return hessianDiagonal.reduce((sum, h, i) => sum + h / scale[i]! ** 2, 0);
}

/** The layer-scale of powers of two (each exponent within ±range) with the smallest predicted trace. */
export function flatteningLayerScale(net: Network<number>, hessianDiagonal: readonly number[], range = 8): PowerOfTwoScaling {
  const K = net.layers.length;
  let best: { s: PowerOfTwoScaling; trace: number } | undefined;
  const visit = (prefix: number[]) => {
    if (prefix.length === K - 1) {
      const s: PowerOfTwoScaling = { kind: 'layer-scale', exponents: [...prefix, -prefix.reduce((a, b) => a + b, 0)] };
      const trace = predictedTrace(net, hessianDiagonal, s);
      if (!best || trace < best.trace) best = { s, trace };
      return;
    }
    for (let e = -range; e <= range; e++) visit([...prefix, e]);
  };
  visit([]);
  return best!.s;
}

/**
 * Per hidden unit, c = 2^round(¼ log₂(in/out)), where in and out are the
 * Hessian diagonal mass of its incoming and outgoing weights: the minimiser
 * of in/c² + out·c², the unit's share of the trace. Layer by layer, each on
 * the diagonal the previous layers' scaling left.
 */
export function flatteningNeuronScale(net: Network<number>, hessianDiagonal: readonly number[]): PowerOfTwoScaling {
  const diagonal = [...hessianDiagonal];
  const layers: { layer: number; exponents: number[] }[] = [];
  for (let k = 0; k < net.layers.length - 1; k++) {
    const width = net.layers[k]!.weights.length;
    const next = net.layers[k + 1]!;
    const outgoingStart = parameterOffsets(shapeOf(net)).weightOffset[k + 1]!;
    const exponents = Array.from({ length: width }, (_, j) => {
      const incoming = incomingIndices(net, k, j).reduce((s, i) => s + diagonal[i]!, 0);
      const outgoing = next.weights.reduce((s, _, r) => s + diagonal[outgoingStart + r * width + j]!, 0);
      return incoming > 0 && outgoing > 0 ? Math.round(Math.log2(incoming / outgoing) / 4) : 0;
    });
    const step: PowerOfTwoScaling = { kind: 'neuron-scale', layers: [{ layer: k + 1, exponents }] };
    const { scale } = symmetryMap(float64Field, shapeOf(net), floatSymmetry(step));
    scale.forEach((c, i) => (diagonal[i] = diagonal[i]! / c ** 2));
    layers.push({ layer: k + 1, exponents });
  }
  return { kind: 'neuron-scale', layers };
}

export interface ExactCheck {
  /** f_{Tθ}(x) = f_θ(x) exactly, on every train and test sample. */
  outputsIdentical: boolean;
  /** The float Tθ that was measured is exactly the rational Tθ (no rounding in the scaling). */
  weightsExact: boolean;
  samples: number;
  /** Argmax accuracies from the exact outputs, before and after. */
  accuracy: { train: [number, number]; test: [number, number] };
  /** The first sample whose outputs differ, if any. */
  firstDifference?: number;
}

type ExactOutputs = { train: Fraction[][]; test: Fraction[][] };

/** Exact outputs of a float network on both parts of the split (each float read as the rational it denotes). */
export function exactOutputs(net: Network<number>, split: { train: Classification; test: Classification }): ExactOutputs {
  const exact = toExact(net);
  const run = (d: Classification) => forward(Q, exact, d.inputs.map((row) => row.map(exactFraction)));
  return { train: run(split.train), test: run(split.test) };
}

const toExact = (net: Network<number>): Network<Fraction> => networkIn(Q, net);

/**
 * The proof that the transformation is a symmetry of these data: T applied in
 * rationals, forward passes of θ and Tθ in rationals on every sample, every
 * output compared exactly. `unchecked` skips validation, for negative controls
 * (a negative scale must be caught here, not rejected earlier).
 */
export function checkExactly(net: Network<number>, transformed: Network<number>, sym: Symmetry, split: { train: Classification; test: Classification }, before: ExactOutputs = exactOutputs(net, split), unchecked = false): ExactCheck {
  const exact = toExact(net);
  const map = unchecked ? unvalidatedSymmetryMap(Q, shapeOf(exact), sym) : symmetryMap(Q, shapeOf(exact), sym);
  const exactTheta = applyMap(Q, map, flatten(exact));
  const floatTheta = flatten(transformed);
  const weightsExact = exactTheta.every((x, i) => x.equals(exactFraction(floatTheta[i]!)));
  const after = exactOutputs(transformed, split);
  const rows = [...before.train, ...before.test];
  const afterRows = [...after.train, ...after.test];
  const firstDifference = rows.findIndex((row, s) => row.some((v, o) => !v.equals(afterRows[s]![o]!)));
  return {
    outputsIdentical: firstDifference < 0,
    weightsExact,
    samples: rows.length,
    accuracy: {
      train: [exactAccuracy(before.train, split.train), exactAccuracy(after.train, split.train)],
      test: [exactAccuracy(before.test, split.test), exactAccuracy(after.test, split.test)],
    },
    ...(firstDifference >= 0 ? { firstDifference } : {}),
  };
}

/** The fraction of samples whose exact output's argmax is the label. */
export function exactAccuracy(outputs: readonly Fraction[][], data: Classification): number {
  return outputs.filter((o, s) => argmax(o) === data.targets[s]).length / data.targets.length;
}

export function argmax(row: readonly Fraction[]): number {
  let best = 0;
  row.forEach((v, i) => {
    if (v.compare(row[best]!) > 0) best = i;
  });
  return best;
}
