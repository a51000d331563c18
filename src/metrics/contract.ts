/**
 * The metric contract: a flatness metric is a plain object with an
 * `evaluate(ctx)` returning a number; `defineMetric` only adds types. The
 * context gives everything in float64 and in θ's flat order (docs/formats.md).
 */
import { Rng } from '../field/random.js';
import { float64Field } from '../field/float64.js';
import { forward, loss } from '../network/forward.js';
import { flatten, unflatten } from '../network/flat.js';
import { datasetToJson, networkToJson } from '../network/json.js';
import type { Dataset, Network } from '../network/types.js';
import { PIECEWISE_LINEAR, lossGradient, lossHessian } from '../autodiff/derivatives.js';
import type { tf } from '../tensor/backend.js';
import type { TensorProblem } from '../tensor/derivatives.js';
import type * as Smooth from '../tensor/smooth.js';
import type { LossOracle } from '../sharpness/maximiser.js';
import { SYMMETRY_KINDS, type SymmetryKind } from '../symmetry/symmetry.js';

/** The symmetry families a metric is checked under: the kinds of symmetry. */
export type Family = SymmetryKind;
export const FAMILIES: readonly Family[] = SYMMETRY_KINDS;

export interface MetricClaims {
  invariant?: Family[];
  unbounded?: Family[];
}

/** Tensor versions for metrics written in TensorFlow.js (float32). */
export interface TensorContext {
  tf: typeof tf;
  /** θ as a float32 tensor (owned by the context: do not dispose). */
  theta: tf.Tensor1D;
  /** L(θ) as a scalar tensor, differentiable in θ (twice: it uses `smooth`). */
  loss(theta: tf.Tensor1D): tf.Scalar;
  /** exp, tanh, sigmoid, softplus and logSumExp whose gradients can be differentiated again (tfjs's own lose terms). */
  smooth: typeof Smooth;
}

export interface MetricContext {
  /** flatcheck.network/v1 with numbers. */
  network: object;
  /** flatcheck.dataset/v1 with numbers. */
  dataset: object;
  theta: number[];
  forward(inputs: number[][], theta?: readonly number[]): number[][];
  loss(theta?: readonly number[]): number;
  gradient(theta?: readonly number[]): number[];
  hvp(v: number[], theta?: readonly number[]): number[];
  /** Dense, for small nets. */
  hessian(theta?: readonly number[]): number[][];
  /** Seeded: the same metric on the same case draws the same numbers. */
  random: Rng;
  tf: TensorContext;
}

export interface Metric {
  id: string;
  title?: string;
  reference?: string;
  claims?: MetricClaims;
  evaluate(ctx: MetricContext): number | Promise<number>;
}

/** Identity: adds types to a metric written as a plain object. */
export function defineMetric<M extends Metric>(metric: M): M {
  return metric;
}

/**
 * The context for one network and dataset. Derivatives are the float64
 * closed form for piecewise-linear networks and TensorFlow.js otherwise.
 * Call `dispose()` when done (it owns tensors); ctx.tf throws after it.
 */
export async function metricContext(net: Network<number>, data: Dataset<number>, seed = 0): Promise<MetricContext & { dispose(): void; readonly usedRandom: boolean; readonly usedTensors: boolean }> {
  // TensorFlow.js is loaded here, not on import: `flatcheck check` and the battery's own thread never need it.
  const [{ initTensorBackend, tf }, { TensorProblem, withThetaTensor }, smooth] = await Promise.all([import('../tensor/backend.js'), import('../tensor/derivatives.js'), import('../tensor/smooth.js')]);
  await initTensorBackend();
  const F = float64Field;
  const theta = flatten(net);
  const at = (t?: readonly number[]) => (t ? unflatten(net, t) : net);
  const exactDerivatives = net.layers.every((l) => PIECEWISE_LINEAR.includes(l.activation));
  // Tensors only when a metric asks for them: most evaluations (the battery runs thousands) never do.
  let tensors: TensorProblem | undefined;
  // Recorded like ctx.random: a metric that computed with float32 tensors is held to float32's precision (tolerance.ts).
  let usedTensors = false;
  let disposed = false;
  const ended = () => new Error('ctx.tf was used after its evaluation ended (it returned or timed out): its tensors are disposed; a metric must finish its tensor work before its value is returned');
  const problem = () => {
    if (disposed) throw ended();
    usedTensors = true;
    return (tensors ??= new TensorProblem(net, data));
  };
  const withTheta = <R>(t: readonly number[] | undefined, f: (x: tf.Tensor1D) => R): R => (t ? withThetaTensor(t, (x) => ((usedTensors = true), f(x))) : f(problem().theta));
  const random = new Rng(seed);
  let usedRandom = false;
  const hessian = (t?: readonly number[]) => (exactDerivatives ? lossHessian(F, at(t), data) : withTheta(t, (x) => problem().hessian(x)));
  return {
    network: networkToJson(F, net),
    dataset: datasetToJson(F, data),
    theta,
    forward: (inputs, t) => forward(F, at(t), inputs),
    loss: (t) => loss(F, at(t), data),
    gradient: (t) => (exactDerivatives ? lossGradient(F, at(t), data) : withTheta(t, (x) => problem().gradient(x))),
    hvp: (v, t) => (exactDerivatives ? hessian(t).map((row) => row.reduce((s, h, j) => s + h * v[j]!, 0)) : withTheta(t, (x) => problem().hvp(v, x))),
    hessian,
    // Read through a getter so the battery knows whether the value is a random estimate (see battery.ts samplingNoise).
    get random() {
      usedRandom = true;
      return random;
    },
    get usedRandom() {
      return usedRandom;
    },
    get usedTensors() {
      return usedTensors;
    },
    get tf() {
      if (disposed) throw ended();
      return { tf, theta: problem().theta, loss: (x: tf.Tensor1D) => problem().lossTensor(x), smooth };
    },
    dispose: () => {
      disposed = true;
      tensors?.dispose();
    },
  };
}

/** The context's loss and gradient as the sharpness maximiser's oracle. */
export function lossOracle(ctx: MetricContext): LossOracle {
  return { loss: (t) => ctx.loss(t), gradient: (t) => ctx.gradient(t) };
}
