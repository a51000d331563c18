/**
 * Rounding-error bounds for float evaluations of v2 networks (outputs,
 * loss, gradient, Hessian-vector products, dense Hessians): the generic
 * reference code — the forward pass of network/v2-forward.ts, the reverse
 * mode of autodiff/v2.ts, and that over dual numbers for second derivatives
 * (forward-over-reverse) — run in the running-error field of
 * error-field.ts, which carries with every value a bound on an engine's
 * distance from the exact value.
 *
 * Derivation. An engine's result differs from the exact one only by the
 * roundings of the operations it performs and the conversion of the leaves;
 * the field bounds their effect through every product, quotient, root and
 * smooth function by the mean-value theorem (exact, not first order), and
 * every sum for any order and grouping of its terms. TensorFlow.js evaluates
 * the reference's products and functions (tensor/v2.ts follows its
 * arrangement: the batch norm backward in the reference's closed form,
 * softplus and softmax as its kernels allow for KERNEL_ROUNDINGS each) with
 * sums in its own grouping, and its double backprop forms the same
 * elementary products as forward-over-reverse (the adjoint of a backward
 * step is the forward step), so the bound applies to it. With u the sum of
 * two engines' unit round-offs (float32 + float64) the bound covers both at
 * once: the field's bound grows at least additively in u, so it bounds
 * |float32 − exact| + |float64 − exact| ≥ |float32 − float64|.
 *
 * Where an engine could take another branch than the reference (a ReLU's
 * side, a max-pool window's winner within the error) or a denominator is not
 * safely away from 0, or the reference itself meets a kink, the bound is
 * undefined (the callers treat such a case as out of scope, not as a pass).
 *
 * An earlier attempt evaluated the a-priori majorants of bounds.ts here:
 * they multiply the absolute-value evaluations of both factors of every
 * product, and on one-conv-layer nets gave bounds 10²–10⁸ times the Hessian
 * entries themselves — too loose to catch a dropped term.
 */
import { KinkError } from '../field/errors.js';
import { mapDataset, type Dataset } from '../network/types.js';
import { mapNetworkV2, type NetworkV2 } from '../network/v2.js';
import { forwardV2, lossV2 } from '../network/v2-forward.js';
import { errorField, type Bounded, type ErrorField } from './error-field.js';
import { lossGradientV2, lossHessianV2, lossHessianVectorProductV2 } from './v2.js';

/** The engine's unit round-off (or the sum of two engines'), and the relative error of converting the leaves into it (float64 → float32: 2^-24). */
export interface EngineRounding {
  u: number;
  inputPerturbation?: number;
}

/** The bound's own float64 evaluation: a relative slack far above its rounding. */
const OWN = 1 + 2 ** -30;

/** Runs `compute` over bounded values of the network and data; undefined where the bound does not apply. */
function bounded<R, S>(
  net: NetworkV2<number>,
  data: Dataset<number>,
  opts: EngineRounding,
  compute: (E: ErrorField, net: NetworkV2<Bounded>, data: Dataset<Bounded>) => R,
  scale: (r: R, bound: (x: Bounded) => number) => S,
): S | undefined {
  const E = errorField(opts.u, opts.inputPerturbation ?? 0);
  let result: R;
  try {
    result = compute(E, mapNetworkV2(net, E.leaf), mapDataset(data, E.leaf));
  } catch (e) {
    if (e instanceof KinkError) return undefined;
    throw e;
  }
  return E.fragile() ? undefined : scale(result, (x) => E.bound(x) * OWN);
}

/** Entrywise bound on |engine − exact| for the outputs f(x), one row per sample. */
export function forwardErrorBoundV2(net: NetworkV2<number>, data: Dataset<number>, opts: EngineRounding): number[][] | undefined {
  return bounded(net, data, opts, (E, n, d) => forwardV2(E, n, d.inputs), (rows, s) => rows.map((r) => r.map(s)));
}

/** Bound on |engine − exact| for the losses. */
export function lossErrorBoundV2(net: NetworkV2<number>, data: Dataset<number>, opts: EngineRounding): number | undefined {
  return bounded(net, data, opts, (E, n, d) => lossV2(E, n, d), (x, s) => s(x));
}

/** Entrywise bound on |engine − exact| for the gradients ∇L. */
export function gradientErrorBoundV2(net: NetworkV2<number>, data: Dataset<number>, opts: EngineRounding): number[] | undefined {
  return bounded(net, data, opts, (E, n, d) => lossGradientV2(E, n, d), (g, s) => g.map(s));
}

/** Entrywise bound on |engine − exact| for the H v (v converted like the other leaves). */
export function hvpErrorBoundV2(net: NetworkV2<number>, data: Dataset<number>, v: readonly number[], opts: EngineRounding): number[] | undefined {
  return bounded(net, data, opts, (E, n, d) => lossHessianVectorProductV2(E, n, d, v.map(E.leaf)), (h, s) => h.map(s));
}

/** Entrywise bound on |engine − exact| for the dense Hessians (each from unit-vector HVPs, symmetrised). */
export function hessianErrorBoundV2(net: NetworkV2<number>, data: Dataset<number>, opts: EngineRounding): number[][] | undefined {
  return bounded(net, data, opts, (E, n, d) => lossHessianV2(E, n, d), (H, s) => H.map((r) => r.map(s)));
}
