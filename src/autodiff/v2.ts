/**
 * Exact derivatives of v2 networks over any Field, by reverse mode: the
 * recorded forward pass of network/v2-forward.ts run backward gives ∇L, and
 * the same code in dual numbers at θ + v·ε gives H v in the tangents
 * (forward-over-reverse), so ∇²L is P such products. Exact in an exact
 * field; on an MLP it equals the closed form of derivatives.ts (a property
 * checks it, entry by entry).
 */
import type { Field } from '../field/field.js';
import { dualField, vectorDualField, type Dual, type VectorDual } from '../field/dual.js';
import { InputError } from '../field/errors.js';
import { assertDenseFits, EXACT_ENTRY_BYTES, FLOAT_ENTRY_BYTES } from '../linalg/dense.js';
import { mapDataset, type Dataset } from '../network/types.js';
import { flattenV2, mapNetworkV2, outputShape, parameterCountV2, unflattenV2, type NetworkV2 } from '../network/v2.js';
import { recordV2 } from '../network/v2-forward.js';
import { outputDerivatives } from './derivatives.js';

/** Throws an InputError unless the dataset fits the network (input length, outputs, labels). */
export function checkCompatibleV2(net: NetworkV2<unknown>, data: Dataset<unknown>): void {
  const out = outputShape(net);
  if (out.length !== 1) throw new InputError('network.layers', `output shape [${out.join(', ')}]`, 'a network whose output is a vector (end with flatten or dense)');
  const O = out[0]!;
  if (data.loss === 'mse') {
    data.targets.forEach((row, s) => {
      if (row.length !== O) throw new InputError(`targets[${s}]`, `${row.length} numbers`, `${O} numbers (the network has ${O} outputs)`);
    });
  } else {
    data.targets.forEach((label, s) => {
      if (!Number.isInteger(label) || label < 0 || label >= O) throw new InputError(`targets[${s}]`, label, `a class label between 0 and ${O - 1}`);
    });
  }
}

/** ∇L(θ) in θ order. Throws KinkError where it is undefined. */
export function lossGradientV2<T>(F: Field<T>, net: NetworkV2<T>, data: Dataset<T>): T[] {
  checkCompatibleV2(net, data);
  const { outputs, backward } = recordV2(F, net, data.inputs, parameterCountV2(net));
  // Exact fields apply the mse constant 2/(N·O) once, at the end (the gradient is linear in it), as derivatives.ts does.
  const defer = F.exact && data.loss === 'mse';
  const gradient = backward(outputDerivatives(F, data, outputs, !defer).map((d) => d.gradient));
  if (!defer) return gradient;
  const c = F.div(F.fromScalar(2), F.fromScalar(outputs.length * outputs[0]!.length));
  return gradient.map((g) => F.mul(c, g));
}

/** H v by forward-over-reverse; exact in an exact field. */
export function lossHessianVectorProductV2<T>(F: Field<T>, net: NetworkV2<T>, data: Dataset<T>, v: readonly T[]): T[] {
  const theta = flattenV2(net);
  if (v.length !== theta.length) throw new InputError('vector', `${v.length} numbers`, `${theta.length}, one per parameter`);
  const D = dualField(F);
  const constant = (x: T): Dual<T> => ({ value: x, tangent: F.zero });
  const moving = unflattenV2(mapNetworkV2(net, constant), theta.map((x, i) => ({ value: x, tangent: v[i]! })));
  return lossGradientV2(D, moving, mapDataset(data, constant)).map((g) => g.tangent);
}

/**
 * ∇²L(θ): the gradient pass once, in dual numbers carrying all P unit
 * tangents (vectorDualField), so row i is ∂(∇L)_i/∂θ — the P Hessian-vector
 * products with the unit vectors at once. Symmetrised in float fields;
 * exactly symmetric in exact ones.
 */
export function lossHessianV2<T>(F: Field<T>, net: NetworkV2<T>, data: Dataset<T>): T[][] {
  const P = parameterCountV2(net);
  assertDenseFits(P, F.exact ? EXACT_ENTRY_BYTES : FLOAT_ENTRY_BYTES, `${F.name} Hessian`);
  checkCompatibleV2(net, data);
  const D = vectorDualField(F);
  const constant = (x: T): VectorDual<T> => ({ value: x, tangent: null });
  const unit = (i: number) => Array.from({ length: P }, (_, j) => (i === j ? F.one : F.zero));
  const moving = unflattenV2(mapNetworkV2(net, constant), flattenV2(net).map((x, i) => ({ value: x, tangent: unit(i) })));
  const columns = lossGradientV2(D, moving, mapDataset(data, constant)).map((g) => (g.tangent ? [...g.tangent] : unit(-1)));
  if (F.exact) return columns;
  const half = F.div(F.one, F.fromScalar(2));
  return columns.map((_, i) => columns.map((col, j) => F.mul(half, F.add(columns[i]![j]!, col[i]!))));
}
