/**
 * A rounding-error bound for a float Hessian of the mse loss, computed in any
 * order (the analytic float64 Hessian of derivatives.ts, or TensorFlow.js's
 * double backprop in float32).
 *
 * Every Hessian entry is a sum of products of weights, activations,
 * activation slopes, the output residual e and the loss curvature Λ (see
 * derivatives.ts). Each elementary operation on a term contributes one factor
 * (1 + δ), |δ| ≤ u, and a term passes through at most
 *   m = 2·Σ_k (n_{k−1} + n_k + 3) + O + N + 8
 * of them (two passes through the layers for the two Jacobian factors, their
 * inner-product lengths, the output and sample sums). So, to first order,
 * |Ĥ − H| ≤ γ_m · H_abs, where H_abs is the same formula evaluated with the
 * absolute value of every factor — except the residual e, whose error is not
 * relative: e = 2(f − y)/(N·O) inherits the forward error E_f of f (bounds.ts
 * of the network module). That part is bounded by the residual term R of the
 * formula evaluated with e replaced by its error bound.
 *
 * Valid only when every float pre-activation has the exact one's sign:
 * `sameActivationPattern` checks that each |ẑ| exceeds its own error bound.
 */
import { float64Field, FLOAT64_UNIT_ROUNDOFF } from '../field/float64.js';
import { absoluteBound, forwardRelativeBound, gamma } from '../network/bounds.js';
import { activate, preActivation } from '../network/forward.js';
import { mapNetwork, type Dataset, type Network } from '../network/types.js';
import type { Field } from '../field/field.js';
import { TRANSCENDENTAL_ACTIVATIONS } from '../network/types.js';
import { PIECEWISE_LINEAR, hessianByProducts, hessianFromPasses, lossGradient, samplePasses, type OutputDerivatives } from './derivatives.js';

const F = float64Field;

export interface HessianBoundOptions {
  /** Unit round-off of the engine whose Hessian is bounded. */
  u: number;
  /** Relative perturbation of weights and inputs before the computation (e.g. conversion to float32). */
  inputPerturbation?: number;
}

/**
 * True when, for every sample and unit, the float64 pre-activation is
 * farther from 0 than the engine's forward error bound allows it to move, so
 * the engine and the exact computation share one activation pattern.
 */
/** The forward pass's relative error bound for an engine whose weights and inputs were converted with `inputPerturbation`. */
function engineForwardBound(net: Network<number>, opts: HessianBoundOptions): number {
  const rho = opts.inputPerturbation ?? 0;
  return forwardRelativeBound(net, { u: opts.u, weightPerturbation: rho, inputPerturbation: rho });
}

/** m = 2·Σ_k (n_{k−1} + n_k + perLayer): the rounded operations one term passes through, both Jacobian factors. */
function operationsPerTerm(net: Network<number>, perLayer: number): number {
  let m = 0;
  let fanIn = net.inputSize;
  for (const l of net.layers) {
    m += 2 * (fanIn + l.weights.length + perLayer);
    fanIn = l.weights.length;
  }
  return m;
}

export function sameActivationPattern(net: Network<number>, inputs: readonly (readonly number[])[], opts: HessianBoundOptions): boolean {
  const rel = engineForwardBound(net, opts);
  return inputs.every((x) => {
    let a: readonly number[] = x;
    let bound: readonly number[] = x.map(Math.abs);
    return net.layers.every((layer) => {
      const z = preActivation(F, layer, a);
      const zBound = layer.weights.map((row, i) => row.reduce((s, w, j) => s + Math.abs(w) * bound[j]!, layer.bias ? Math.abs(layer.bias[i]!) : 0));
      const safe = layer.activation === 'linear' || z.every((v, i) => Math.abs(v) > 2 * rel * zBound[i]! + 4 * Number.MIN_VALUE);
      a = z.map((v) => activate(F, layer.activation, layer.slope, v));
      bound = absoluteBound({ inputSize: layer.weights[0]!.length, layers: [layer] }, bound);
      return safe;
    });
  });
}

/**
 * Entrywise bound on |Ĥ − H|: for piecewise-linear networks with the mse loss
 * as in the file comment; otherwise (tanh, softplus, cross-entropy) by the
 * majorant evaluation of smoothHessianErrorBound.
 */
export function hessianErrorBound(net: Network<number>, data: Dataset<number>, opts: HessianBoundOptions): number[][] {
  if (data.loss !== 'mse' || !net.layers.every((l) => PIECEWISE_LINEAR.includes(l.activation))) return smoothHessianErrorBound(net, data, opts);
  const N = data.inputs.length;
  const O = net.layers[net.layers.length - 1]!.weights.length;
  const K = net.layers.length;
  const m = O + N + 8 + 2 * (K + 1) + operationsPerTerm(net, 3); // the +2(K+1): conversion of every factor of a term
  const g = gamma(m, opts.u);
  const passes = samplePasses(F, net, data.inputs);
  const absNet = mapNetwork(net, Math.abs);
  const absPasses = passes.map((p, s) => ({
    derivatives: p.derivatives.map((d) => d.map(Math.abs)),
    activations: [data.inputs[s]!.map(Math.abs), ...absBoundActivations(absNet, p.derivatives, data.inputs[s]!)],
  }));
  const c = 2 / (N * O);
  const rel = engineForwardBound(net, opts);
  const outputs = passes.map((p) => p.activations[K]!);
  const residualError = outputs.map((f, s) => f.map((_, o) => c * (rel * absPasses[s]!.activations[K]![o]! + opts.u * (Math.abs(f[o]!) + Math.abs(data.targets[s]![o]!)))));
  const absDerivs: OutputDerivatives<number>[] = outputs.map((f, s) => ({
    gradient: f.map((v, o) => c * Math.abs(v - data.targets[s]![o]!) + residualError[s]![o]!),
    hessian: f.map((_, i) => f.map((_, j) => (i === j ? c : 0))),
  }));
  const errDerivs: OutputDerivatives<number>[] = outputs.map((f, s) => ({ gradient: residualError[s]!, hessian: f.map(() => f.map(() => 0)) }));
  const Habs = hessianFromPasses(F, absNet, absPasses, absDerivs);
  const Rerr = hessianFromPasses(F, absNet, absPasses, errDerivs);
  // The bound is itself computed in float64: cover its own rounding.
  const own = 1 + gamma(m + 4, FLOAT64_UNIT_ROUNDOFF);
  return Habs.map((row, i) => row.map((h, j) => (g * h + (1 + g) * Rerr[i]![j]!) * own));
}

/** |a_k| bounds along the exact activation pattern: |D_k| (|W_k| |a_{k−1}| + |b_k|). */
function absBoundActivations(absNet: Network<number>, derivatives: readonly (readonly number[])[], x: readonly number[]): number[][] {
  const out: number[][] = [];
  let a = x.map(Math.abs);
  absNet.layers.forEach((layer, k) => {
    // |φ(z)| ≤ max(1, |slope|)·|z|; on the pattern, |a_i| ≤ max(|d_i|, 1 if relu-active)·|z_i| — use max(1, |d_i|) to cover relu's 0.
    a = layer.weights.map((row, i) => Math.max(1, Math.abs(derivatives[k]![i]!)) * row.reduce((s, w, j) => s + w * a[j]!, layer.bias ? layer.bias[i]! : 0));
    out.push(a);
  });
  return out;
}

/**
 * Entrywise bound on |ĝ − ∇L| for the mse gradient computed in any order at
 * unit round-off u, for every activation: each term of ∇L is a product of
 * weights, activation slopes (|φ'| ≤ λ) and activations (|φ(z)| ≤ λ|z|, plus
 * log 2 for softplus) times the residual, so the gradient of the network with
 * weights λ_k·|W_k|, λ_k·|b_k|, linear activations, inputs |x| and targets
 * −|y| − B_f (so every residual is ≥ |f − y|) bounds the sum of |terms|. Each
 * term passes through at most m = 2·Σ_k (n_{k−1} + n_k + 8) + O + N + 4
 * rounded operations (8 per layer covers tanh/softplus and their slopes).
 */
export function gradientErrorBound(net: Network<number>, data: Dataset<number> & { loss: 'mse' }, u: number): number[] {
  const K = net.layers.length;
  const O = net.layers[K - 1]!.weights.length;
  const m = O + data.inputs.length + 4 + operationsPerTerm(net, 8);
  const dominating: Network<number> = {
    inputSize: net.inputSize,
    layers: net.layers.map((l) => {
      const lam = l.activation === 'leaky-relu' ? Math.max(1, Math.abs(l.slope ?? 0)) : 1;
      const shift = l.activation === 'softplus' ? Math.LN2 : 0;
      return {
        weights: l.weights.map((row) => row.map((w) => lam * Math.abs(w))),
        // softplus's log 2 offset enters as a bias; a bias-free layer gets one only for it.
        ...(l.bias || shift ? { bias: l.weights.map((_, i) => lam * Math.abs(l.bias?.[i] ?? 0) + shift) } : {}),
        activation: 'linear' as const,
      };
    }),
  };
  const inputs = data.inputs.map((x) => x.map(Math.abs));
  const targets = data.targets.map((y) => y.map((v) => -Math.abs(v)));
  const g = lossGradient(F, dominating, { loss: 'mse', inputs, targets });
  const own = 1 + gamma(m + 4, FLOAT64_UNIT_ROUNDOFF);
  return g.map((v) => gamma(m, u) * v * own);
}

/**
 * A value v with a first-order error majorant A: if every input x carries an
 * error of at most ρ·|x|, a computation of the same mathematical expression
 * with ρ counting all its roundings is off by at most ρ·A (to first order). Sums and products of majorants are the
 * expression evaluated with absolute values, as in the file comment (for
 * sums and products this holds in any order and factorisation; through
 * exp, log and division, for the same arrangement of those); a function φ
 * contributes |φ′(v)| times its argument's majorant (first order, like the
 * rest of the file), plus |φ(v)| for its own rounding.
 */
interface Majorant {
  readonly v: number;
  readonly a: number;
}

const majorant = (v: number, a: number): Majorant => ({ v, a });

const majorantField: Field<Majorant> = {
  name: 'float64',
  exact: false,
  unitRoundoff: FLOAT64_UNIT_ROUNDOFF,
  zero: majorant(0, 0),
  one: majorant(1, 1),
  fromScalar: (x) => {
    const v = typeof x === 'number' ? x : Number(x.valueOf());
    return majorant(v, Math.abs(v));
  },
  add: (x, y) => majorant(x.v + y.v, x.a + y.a),
  sub: (x, y) => majorant(x.v - y.v, x.a + y.a),
  mul: (x, y) => majorant(x.v * y.v, x.a * y.a),
  // q = x/y: δq ≈ δx/|y| + |q|·δy/|y| (denominators here are N or Σ e^(z−max) ≥ 1, far from 0).
  div: (x, y) => {
    const q = x.v / y.v;
    return majorant(q, x.a / Math.abs(y.v) + (Math.abs(q) * y.a) / Math.abs(y.v));
  },
  neg: (x) => majorant(-x.v, x.a),
  abs: (x) => majorant(Math.abs(x.v), x.a),
  sign: (x) => Math.sign(x.v),
  compare: (x, y) => Math.sign(x.v - y.v),
  equals: (x, y) => x.v === y.v,
  toNumber: (x) => x.v,
  toString: (x) => String(x.v),
  isFinite: (x) => Number.isFinite(x.v) && Number.isFinite(x.a),
  isZero: (x) => x.v === 0 && x.a === 0,
  // δ√x ≈ δx/(2√x), plus |√x| for its own rounding.
  sqrt: (x) => {
    const r = Math.sqrt(x.v);
    return majorant(r, r + x.a / (2 * r));
  },
  transcendental: {
    exp: (x) => {
      const e = Math.exp(x.v);
      return majorant(e, e * (1 + x.a));
    },
    log: (x) => majorant(Math.log(x.v), Math.abs(Math.log(x.v)) + x.a / Math.abs(x.v)),
    tanh: (x) => {
      const t = Math.tanh(x.v);
      return majorant(t, Math.abs(t) + (1 - t * t) * x.a);
    },
  },
};

/**
 * Roundings per elementary transcendental kernel (tanh, exp, log, sigmoid,
 * softplus, with the ops that recompute a derivative): the worst relative
 * error of TensorFlow.js's float32 kernels on a grid of 2·10⁵ points in
 * [−20, 20] was 7.9 u (softplus, wasm); this allows twice that.
 */
export const KERNEL_ROUNDINGS = 16;

/**
 * Entrywise bound on |Ĥ − H| for networks with tanh or softplus units or the
 * cross-entropy loss, computed by an engine of unit round-off u whose inputs
 * were converted with `inputPerturbation`: γ_m times the majorant of the
 * Hessian (its forward-over-reverse evaluation in majorant arithmetic), m an
 * a-priori count of the roundings one term passes through — the piecewise
 * linear count, plus KERNEL_ROUNDINGS for each of the (up to three: φ, φ′,
 * φ″) transcendental factors a layer contributes to either Jacobian factor,
 * plus the softmax for cross-entropy. First order, like the rest of the file.
 */
export function smoothHessianErrorBound(net: Network<number>, data: Dataset<number>, opts: HessianBoundOptions): number[][] {
  const { g, own, leaves } = smoothBoundParts(net, data, opts);
  // Always by products (forward-over-reverse), the structure double backprop also has.
  const A = hessianByProducts(majorantField, leaves.net, leaves.data);
  return A.map((row) => row.map((x) => g * x.a * own));
}

/**
 * The same for the gradient, for every activation and both losses: γ_m times
 * the gradient's majorant, with the Hessian's rounding count m (which counts
 * φ″ too: an over-count here, so still a bound).
 */
export function smoothGradientErrorBound(net: Network<number>, data: Dataset<number>, opts: HessianBoundOptions): number[] {
  const { g, own, leaves } = smoothBoundParts(net, data, opts);
  return lossGradient(majorantField, leaves.net, leaves.data).map((x) => g * x.a * own);
}

/** γ_m (with the input perturbation), the bound's own rounding, and the network and data as majorant leaves. */
function smoothBoundParts(net: Network<number>, data: Dataset<number>, opts: HessianBoundOptions) {
  const N = data.inputs.length;
  const K = net.layers.length;
  const O = net.layers[K - 1]!.weights.length;
  let m = O + N + 8 + 2 * (K + 1) + operationsPerTerm(net, 3);
  for (const l of net.layers) if (TRANSCENDENTAL_ACTIVATIONS.includes(l.activation)) m += 2 * 3 * KERNEL_ROUNDINGS;
  if (data.loss === 'cross-entropy') m += 2 * O + 3 * KERNEL_ROUNDINGS;
  const rho = opts.inputPerturbation ?? 0;
  const leaf = (x: number) => majorant(x, Math.abs(x));
  const leaves = {
    net: mapNetwork(net, leaf),
    data: { ...data, inputs: data.inputs.map((x) => x.map(leaf)), targets: data.loss === 'mse' ? data.targets.map((y) => y.map(leaf)) : data.targets } as Dataset<Majorant>,
  };
  // ρ relative error on each converted leaf counts as that many more roundings of size u.
  return { g: gamma(m, opts.u) + (m * rho) / (1 - m * rho), own: 1 + gamma(m + 4, FLOAT64_UNIT_ROUNDOFF), leaves };
}
