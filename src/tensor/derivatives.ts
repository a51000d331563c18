/**
 * Float32 derivatives in TensorFlow.js: the gradient by backprop, and
 * Hessian-vector products by double backprop, Hv = ∇_θ(∇L(θ)·v); a dense
 * Hessian from P of them for small nets. Every function is tidy.
 */
import { tf } from './backend.js';
import type { Dataset, Network } from '../network/types.js';
import { datasetTensors, lossTensor, thetaTensor, TWICE_DIFFERENTIABLE, type SmoothOps, type TensorData } from './network.js';
import { denseHessian } from '../linalg/dense.js';

/**
 * Runs `make` in a tidy scope and reads its result outside it: tf.tidy walks
 * whatever its function returns looking for tensors, which costs ~40 ms for a
 * 1e5-entry array (measured) — more than the gradient itself.
 */
export function read(make: () => tf.Tensor): number[] {
  const t = tf.tidy(make);
  try {
    // A plain loop: Array.from on a 1e5-entry Float32Array takes several times longer (measured).
    const values = t.dataSync();
    const out = new Array<number>(values.length);
    for (let i = 0; i < values.length; i++) out[i] = values[i]!;
    return out;
  } finally {
    t.dispose();
  }
}

/** Runs f on θ as a float32 tensor that lives only for the call. */
export function withThetaTensor<R>(theta: readonly number[], f: (t: tf.Tensor1D) => R): R {
  const t = tf.tensor1d(Float32Array.from(theta), 'float32');
  try {
    return f(t);
  } finally {
    t.dispose();
  }
}

/** ∇L(θ) by backprop and (θ, v) ↦ H v by double backprop, Hv = ∇_θ(∇L(θ)·v), for any scalar loss of the flat θ. */
export interface ThetaDerivatives {
  gradient(theta: tf.Tensor1D): tf.Tensor1D;
  hvp(theta: tf.Tensor1D, v: tf.Tensor1D): tf.Tensor1D;
}

export function thetaDerivatives(loss: (theta: tf.Tensor1D) => tf.Scalar): ThetaDerivatives {
  const gradient = tf.grad((theta: tf.Tensor) => loss(theta as tf.Tensor1D)) as (theta: tf.Tensor1D) => tf.Tensor1D;
  // g·v with the constant v: its gradient is v·dy, where tf.sum's would build a P-entry ones array in JS.
  const along = (v: tf.Tensor1D) => tf.customGrad((g) => ({ value: tf.sum(tf.mul(g as tf.Tensor, v)), gradFunc: (dy) => tf.mul(dy as tf.Tensor, v) }));
  return {
    gradient,
    hvp: (theta, v) => tf.grad((t: tf.Tensor) => along(v)(gradient(t as tf.Tensor1D)) as tf.Scalar)(theta) as tf.Tensor1D,
  };
}

/** Runs the HVP of P parameters on a vector given as numbers, checking its length. */
export function hvpOfNumbers(derivatives: ThetaDerivatives, theta: tf.Tensor1D, v: readonly number[]): number[] {
  if (v.length !== theta.size) throw new RangeError(`hvp: expected a vector of ${theta.size} entries, got ${v.length}`);
  // Float32Array.from: tf.tensor1d on a number[] walks it as a nested array first.
  return read(() => derivatives.hvp(theta, tf.tensor1d(Float32Array.from(v), 'float32')));
}

/**
 * θ and data held as tensors, for repeated derivative calls; dispose() when
 * done. A subclass gives L(θ) as a tensor (lossTensor) and the data tensors
 * it owns; loss, gradient, HVPs and the dense Hessian follow from it.
 */
export abstract class TensorProblemBase {
  readonly size: number;
  private readonly derivatives: ThetaDerivatives;

  protected constructor(
    readonly theta: tf.Tensor1D,
    /** Released by dispose(), with θ. */
    private readonly owned: readonly tf.Tensor[],
  ) {
    this.size = theta.size;
    this.derivatives = thetaDerivatives((t) => this.lossTensor(t));
  }

  /** L(θ) as a differentiable scalar tensor (the caller disposes it, or runs inside tf.tidy). */
  abstract lossTensor(theta?: tf.Tensor1D): tf.Scalar;

  loss(theta: tf.Tensor1D = this.theta): number {
    return read(() => this.lossTensor(theta))[0]!;
  }

  gradient(theta: tf.Tensor1D = this.theta): number[] {
    return read(() => this.derivatives.gradient(theta));
  }

  hvp(v: readonly number[], theta: tf.Tensor1D = this.theta): number[] {
    return hvpOfNumbers(this.derivatives, theta, v);
  }

  /** Dense Hessian from P HVPs with the unit vectors, symmetrised (H + Hᵀ)/2. */
  hessian(theta: tf.Tensor1D = this.theta): number[][] {
    return denseHessian(this.size, (v) => this.hvp(v, theta));
  }

  dispose(): void {
    tf.dispose([this.theta, ...this.owned]);
  }
}

/** A network and data held as tensors, for repeated derivative calls; dispose() when done. */
export class TensorProblem extends TensorProblemBase {
  readonly data: TensorData;

  constructor(
    readonly net: Network<number>,
    data: Dataset<number>,
    private readonly ops: SmoothOps = TWICE_DIFFERENTIABLE,
  ) {
    const tensors = datasetTensors(net, data);
    super(thetaTensor(net), [tensors.inputs, tensors.targets]);
    this.data = tensors;
  }

  lossTensor(theta: tf.Tensor1D = this.theta): tf.Scalar {
    return lossTensor(this.net, theta, this.data, this.ops);
  }
}

/** One-shot dense float32 Hessian, loss and gradient, leaving no tensors behind. */
export function tensorHessian(net: Network<number>, data: Dataset<number>, ops: SmoothOps = TWICE_DIFFERENTIABLE): { loss: number; gradient: number[]; hessian: number[][] } {
  const problem = new TensorProblem(net, data, ops);
  try {
    return { loss: problem.loss(), gradient: problem.gradient(), hessian: problem.hessian() };
  } finally {
    problem.dispose();
  }
}
