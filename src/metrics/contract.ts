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
import { asV1, asV2, flattenV2, unflattenV2, type AnyNetwork, type NetworkV2 } from '../network/v2.js';
import { forwardV2, lossV2 } from '../network/v2-forward.js';
import { networkV2ToJson } from '../network/json-v2.js';
import { lossGradientV2, lossHessianV2, lossHessianVectorProductV2 } from '../autodiff/v2.js';
import { PIECEWISE_LINEAR, lossGradient, lossHessian } from '../autodiff/derivatives.js';
import { Float64Problem } from '../autodiff/typed.js';
import type { tf } from '../tensor/backend.js';
import type { TensorProblem } from '../tensor/derivatives.js';
import type * as Smooth from '../tensor/smooth.js';
import type { LossOracle } from '../sharpness/maximiser.js';
import { SYMMETRY_KINDS } from '../symmetry/symmetry.js';
import type { ArchitectureFamily } from '../symmetry/architecture.js';
import type { ArchitectureName } from '../network/random.js';

/** The symmetry families a metric is checked under (symmetriesOf lists those of each network). */
export type Family = ArchitectureFamily;
/** The families of MLPs, which the battery checks by default. */
export const MLP_FAMILIES: readonly Family[] = SYMMETRY_KINDS;
/** The families of the MLP table (docs/theory.md §5): the matrix and `flatcheck check` without --architectures. */
export const FAMILIES = MLP_FAMILIES;

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
  /** The network as a file: flatcheck.network/v1 for an MLP, v2 otherwise (docs/formats.md), with numbers. */
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
  /** The architectures the metric is defined on (default all); the battery checks it on these only. */
  architectures?: ArchitectureName[];
  evaluate(ctx: MetricContext): number | Promise<number>;
}

/** Identity: adds types to a metric written as a plain object. */
export function defineMetric<M extends Metric>(metric: M): M {
  return metric;
}

/** What a context computes with, for one network: float64 values and derivatives, and a tensor problem on demand. */
interface Engine {
  network: object;
  theta: number[];
  forward(inputs: number[][], theta?: readonly number[]): number[][];
  loss(theta?: readonly number[]): number;
  /** Derivatives in float64 (undefined: they come from the tensor problem). */
  gradient?(theta?: readonly number[]): number[];
  hvp?(v: number[], theta?: readonly number[]): number[];
  hessian?(theta?: readonly number[]): number[][];
  tensors(): Promise<() => TensorProblemLike>;
}

/** The tensor engine's interface, for an MLP (TensorProblem) or a layered network (TensorProblemV2). */
export type TensorProblemLike = Pick<TensorProblem, 'theta' | 'lossTensor' | 'gradient' | 'hvp' | 'hessian' | 'dispose'>;

/** An MLP: the float64 closed form for piecewise-linear activations, TensorFlow.js otherwise (as before v2). */
function mlpEngine(net: Network<number>, data: Dataset<number>): Engine {
  const F = float64Field;
  const at = (t?: readonly number[]) => (t ? unflatten(net, t) : net);
  const closedForm = net.layers.every((l) => PIECEWISE_LINEAR.includes(l.activation));
  const hessian = (t?: readonly number[]) => lossHessian(F, at(t), data);
  let typed: Float64Problem | undefined;
  return {
    network: networkToJson(F, net),
    theta: flatten(net),
    forward: (inputs, t) => forward(F, at(t), inputs),
    loss: (t) => loss(F, at(t), data),
    ...(closedForm && {
      gradient: (t?: readonly number[]) => lossGradient(F, at(t), data),
      // The typed engine's R-operator: O(N·P) per product, no P × P Hessian (its values agree with the field code to rounding).
      hvp: (v: number[], t?: readonly number[]) => Array.from((typed ??= new Float64Problem(net, data)).hvp(v, t)),
      hessian,
    }),
    tensors: async () => {
      const { TensorProblem } = await import('../tensor/derivatives.js');
      return () => new TensorProblem(net, data);
    },
  };
}

/** A layered (v2) network: reverse mode in float64 for every layer and activation (dual numbers for the second derivatives). */
function layeredEngine(net: NetworkV2<number>, data: Dataset<number>): Engine {
  const F = float64Field;
  const at = (t?: readonly number[]) => (t ? unflattenV2(net, t) : net);
  return {
    network: networkV2ToJson(F, net),
    theta: flattenV2(net),
    forward: (inputs, t) => forwardV2(F, at(t), inputs),
    loss: (t) => lossV2(F, at(t), data),
    gradient: (t) => lossGradientV2(F, at(t), data),
    hvp: (v, t) => lossHessianVectorProductV2(F, at(t), data, v),
    hessian: (t) => lossHessianV2(F, at(t), data),
    tensors: async () => {
      const { TensorProblemV2 } = await import('../tensor/v2.js');
      return () => new TensorProblemV2(net, data);
    },
  };
}

/**
 * The context for one network (v1, or v2 with any layers) and dataset.
 * Derivatives are float64 (the closed form for piecewise-linear MLPs,
 * reverse mode for layered networks) and TensorFlow.js for smooth MLPs.
 * Call `dispose()` when done (it owns tensors); ctx.tf throws after it.
 */
export async function metricContext(net: AnyNetwork<number>, data: Dataset<number>, seed = 0): Promise<MetricContext & { dispose(): void; readonly usedRandom: boolean; readonly usedTensors: boolean }> {
  const mlp = asV1(net);
  const engine = mlp ? mlpEngine(mlp, data) : layeredEngine(asV2(net), data);
  // TensorFlow.js is loaded here, not on import: `flatcheck check` and the battery's own thread never need it.
  const [{ initTensorBackend, tf }, { withThetaTensor }, smooth, makeTensors] = await Promise.all([import('../tensor/backend.js'), import('../tensor/derivatives.js'), import('../tensor/smooth.js'), engine.tensors()]);
  await initTensorBackend();
  // Tensors only when a metric asks for them: most evaluations (the battery runs thousands) never do.
  let tensors: TensorProblemLike | undefined;
  // Recorded like ctx.random: a metric that computed with float32 tensors is held to float32's precision (tolerance.ts).
  let usedTensors = false;
  let disposed = false;
  const ended = () => new Error('ctx.tf was used after its evaluation ended (it returned or timed out): its tensors are disposed; a metric must finish its tensor work before its value is returned');
  const problem = () => {
    if (disposed) throw ended();
    usedTensors = true;
    return (tensors ??= makeTensors());
  };
  const withTheta = <R>(t: readonly number[] | undefined, f: (x: tf.Tensor1D) => R): R => (t ? withThetaTensor(t, (x) => ((usedTensors = true), f(x))) : f(problem().theta));
  const random = new Rng(seed);
  let usedRandom = false;
  return {
    network: engine.network,
    dataset: datasetToJson(float64Field, data),
    theta: engine.theta,
    forward: engine.forward,
    loss: engine.loss,
    gradient: (t) => (engine.gradient ? engine.gradient(t) : withTheta(t, (x) => problem().gradient(x))),
    hvp: (v, t) => (engine.hvp ? engine.hvp(v, t) : withTheta(t, (x) => problem().hvp(v, x))),
    hessian: (t) => (engine.hessian ? engine.hessian(t) : withTheta(t, (x) => problem().hessian(x))),
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
