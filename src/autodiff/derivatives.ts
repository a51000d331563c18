/**
 * Exact gradient and Hessian of the loss over any Field.
 *
 * Per sample s, with a_0 = x, z_k = W_k a_{k−1} + b_k, a_k = φ_k(z_k),
 * D_k = diag φ_k'(z_k), f = a_K, and the loss's derivatives in the outputs
 * e = ∂ℓ_s/∂f, Λ = ∂²ℓ_s/∂f²:
 *
 *   G_K = D_K, G_k = G_{k+1} W_{k+1} D_k         (G_k = ∂f/∂z_k)
 *   J[:, W_k[i][j]] = G_k[:, i] a_{k−1}[j],  J[:, b_k[i]] = G_k[:, i]
 *   ∇ℓ_s = Jᵀ e
 *   ∇²ℓ_s = Jᵀ Λ J + ∇²(eᵀ f)                    (e held fixed in the second term)
 *
 * For piecewise-linear activations (relu, leaky-relu, abs, linear) f is
 * affine in each layer's parameters off the kinks, so ∇²(eᵀf) has no
 * within-layer block, and for layers k < l, with δ_l = eᵀ G_l and
 * A_{l−1,k} = ∂a_{l−1}/∂z_k = D_{l−1} W_{l−1} ⋯ W_{k+1} D_k:
 *
 *   ∂²(eᵀf)/∂W_l[m][n] ∂W_k[i][j] = δ_l[m] · A_{l−1,k}[n][i] · a_{k−1}[j]
 *   (a_{k−1}[j] replaced by 1 for b_k[i]; zero for b_l[m]).
 *
 * A pre-activation exactly 0 at a kinked activation makes the derivative
 * undefined: a KinkError says where, never a silent number.
 */
import type { Field } from '../field/field.js';
import { InputError, KinkError } from '../field/errors.js';
import { activationDerivative, assertFieldSupports, activate, preActivation } from '../network/forward.js';
import { checkCompatible } from '../network/json.js';
import { dualField, type Dual } from '../field/dual.js';
import { assertDenseFits, EXACT_ENTRY_BYTES, FLOAT_ENTRY_BYTES } from '../linalg/dense.js';
import { flatten, parameterCount, parameterOffsets, unflatten } from '../network/flat.js';
import { mapDataset, mapNetwork, shapeOf, type ActivationName, type Dataset, type Network } from '../network/types.js';

/** Activations whose second derivative vanishes off the kinks. */
export const PIECEWISE_LINEAR: readonly ActivationName[] = ['relu', 'leaky-relu', 'abs', 'linear'];

/** One sample's forward pass: activations a_0..a_K and derivatives d_k = diag D_k. */
export interface SamplePass<T> {
  activations: T[][];
  derivatives: T[][];
}

export function samplePasses<T>(F: Field<T>, net: Network<T>, inputs: readonly (readonly T[])[]): SamplePass<T>[] {
  assertFieldSupports(F, net);
  return inputs.map((x, s) => {
    const activations: T[][] = [[...x]];
    const derivatives: T[][] = [];
    net.layers.forEach((layer, k) => {
      const z = preActivation(F, layer, activations[k]!);
      derivatives.push(
        z.map((v, i) => {
          const d = activationDerivative(F, layer.activation, layer.slope, v);
          if (d === undefined) throw new KinkError(s, k, i);
          return d;
        }),
      );
      activations.push(z.map((v) => activate(F, layer.activation, layer.slope, v)));
    });
    return { activations, derivatives };
  });
}

/** e = ∂ℓ_s/∂f and Λ = ∂²ℓ_s/∂f² for each sample, for L = Σ_s ℓ_s. */
export interface OutputDerivatives<T> {
  gradient: T[];
  hessian: T[][];
}

/** The mse loss's constant 2/(N·O): ∂ℓ/∂f = c·(f − y), ∂²ℓ/∂f² = c·I. */
function mseScale<T>(F: Field<T>, outputs: readonly (readonly T[])[]): T {
  return F.div(F.fromScalar(2), F.fromScalar(outputs.length * outputs[0]!.length));
}

/**
 * Exact fields apply the mse constant c = 2/(N·O) once, at the end (the
 * derivatives are linear in it): with N = 3 it is the one division that is
 * not by 2^a·5^b, and the terminating field stays gcd-free until then.
 */
interface Prepared<T> {
  passes: SamplePass<T>[];
  derivs: OutputDerivatives<T>[];
  /** Applies what the derivatives left out (the mse constant, in exact fields) to values linear in them. */
  scaled: (values: T[]) => T[];
}

/** Per-sample passes and output derivatives, with the mse constant deferred in exact fields (see above). */
function prepare<T>(F: Field<T>, net: Network<T>, data: Dataset<T>): Prepared<T> {
  const passes = samplePasses(F, net, data.inputs);
  const outputs = passes.map((p) => p.activations[p.activations.length - 1]!);
  const defer = F.exact && data.loss === 'mse';
  const c = defer ? mseScale(F, outputs) : undefined;
  return { passes, derivs: outputDerivatives(F, data, outputs, !defer), scaled: (values) => (c === undefined ? values : values.map((v) => F.mul(c, v))) };
}

export function outputDerivatives<T>(F: Field<T>, data: Dataset<T>, outputs: readonly (readonly T[])[], scale = true): OutputDerivatives<T>[] {
  const N = outputs.length;
  if (data.loss === 'mse') {
    const c = scale ? mseScale(F, outputs) : F.one;
    return outputs.map((f, s) => ({
      gradient: f.map((v, o) => F.mul(c, F.sub(v, data.targets[s]![o]!))),
      hessian: f.map((_, i) => f.map((_, j) => (i === j ? c : F.zero))),
    }));
  }
  if (!F.transcendental) throw new InputError('loss', 'cross-entropy', `a float field for cross-entropy (the ${F.name} field has no exp/log)`);
  const { exp } = F.transcendental;
  const invN = F.div(F.one, F.fromScalar(N));
  return outputs.map((f, s) => {
    const max = f.reduce((m, v) => (F.compare(v, m) > 0 ? v : m));
    const w = f.map((v) => exp(F.sub(v, max)));
    const total = w.reduce((a, b) => F.add(a, b));
    const p = w.map((v) => F.div(v, total));
    return {
      gradient: p.map((v, o) => F.mul(invN, o === data.targets[s] ? F.sub(v, F.one) : v)),
      hessian: p.map((pi, i) => p.map((pj, j) => F.mul(invN, i === j ? F.sub(pi, F.mul(pi, pj)) : F.neg(F.mul(pi, pj))))),
    };
  });
}

interface Weights<T> {
  w: T[][][];
  hasBias: boolean[];
}

/** G_k = ∂f/∂z_k for every layer (O × n_k). */
function outputJacobians<T>(F: Field<T>, { w }: Weights<T>, pass: SamplePass<T>): T[][][] {
  const K = w.length;
  const G: T[][][] = new Array(K);
  G[K - 1] = pass.derivatives[K - 1]!.map((d, o) => pass.derivatives[K - 1]!.map((_, i) => (i === o ? d : F.zero)));
  for (let k = K - 2; k >= 0; k--) {
    const next = G[k + 1]!;
    const W = w[k + 1]!;
    const d = pass.derivatives[k]!;
    G[k] = next.map((row) =>
      d.map((dk, i) => {
        let sum = F.zero;
        for (let m = 0; m < row.length; m++) sum = F.add(sum, F.mul(row[m]!, W[m]![i]!));
        return F.mul(sum, dk);
      }),
    );
  }
  return G;
}

function weightsOf<T>(net: Network<T>): Weights<T> {
  return { w: net.layers.map((l) => l.weights), hasBias: net.layers.map((l) => l.bias !== undefined) };
}

export function lossGradient<T>(F: Field<T>, net: Network<T>, data: Dataset<T>): T[] {
  checkCompatible(net, data);
  const shape = shapeOf(net);
  const { weightOffset, biasOffset, fanIn } = parameterOffsets(shape);
  const gradient = new Array<T>(parameterCount(shape)).fill(F.zero);
  const { passes, derivs, scaled } = prepare(F, net, data);
  const K = net.layers.length;
  passes.forEach((pass, s) => {
    let delta = derivs[s]!.gradient.map((e, o) => F.mul(e, pass.derivatives[K - 1]![o]!));
    for (let k = K - 1; k >= 0; k--) {
      const a = pass.activations[k]!;
      delta.forEach((di, i) => {
        for (let j = 0; j < fanIn[k]!; j++) {
          const at = weightOffset[k]! + i * fanIn[k]! + j;
          gradient[at] = F.add(gradient[at]!, F.mul(di, a[j]!));
        }
        if (biasOffset[k]! >= 0) gradient[biasOffset[k]! + i] = F.add(gradient[biasOffset[k]! + i]!, di);
      });
      if (k > 0) {
        const W = net.layers[k]!.weights;
        delta = pass.derivatives[k - 1]!.map((d, j) => {
          let sum = F.zero;
          for (let i = 0; i < delta.length; i++) sum = F.add(sum, F.mul(W[i]![j]!, delta[i]!));
          return F.mul(d, sum);
        });
      }
    }
  });
  return scaled(gradient);
}

/**
 * ∇²L from per-sample passes and output derivatives (see the file comment).
 * Exposed for error bounds, which rerun it on absolute values.
 */
export function hessianFromPasses<T>(F: Field<T>, net: Network<T>, passes: readonly SamplePass<T>[], derivs: readonly OutputDerivatives<T>[]): T[][] {
  const shape = shapeOf(net);
  const { weightOffset, biasOffset, fanIn } = parameterOffsets(shape);
  const P = parameterCount(shape);
  const K = net.layers.length;
  const H: T[][] = Array.from({ length: P }, () => new Array<T>(P).fill(F.zero));
  const weights = weightsOf(net);
  const add = (p: number, q: number, v: T) => {
    H[p]![q] = F.add(H[p]![q]!, v);
  };
  passes.forEach((pass, s) => {
    const { gradient: e, hessian: lambda } = derivs[s]!;
    const G = outputJacobians(F, weights, pass);
    const O = e.length;
    // J (O × P), then the Gauss–Newton term Jᵀ Λ J on the upper triangle.
    const J: T[][] = Array.from({ length: O }, () => new Array<T>(P).fill(F.zero));
    for (let k = 0; k < K; k++) {
      const a = pass.activations[k]!;
      for (let o = 0; o < O; o++) {
        for (let i = 0; i < shape.sizes[k]!; i++) {
          const g = G[k]![o]![i]!;
          for (let j = 0; j < fanIn[k]!; j++) J[o]![weightOffset[k]! + i * fanIn[k]! + j] = F.mul(g, a[j]!);
          if (biasOffset[k]! >= 0) J[o]![biasOffset[k]! + i] = g;
        }
      }
    }
    const nonZeroColumns = Array.from({ length: P }, (_, p) => p).filter((p) => J.some((row) => F.sign(row[p]!) !== 0));
    const LJ = lambda.map((row) => nonZeroColumns.map((p) => row.reduce((sum, l, m) => F.add(sum, F.mul(l, J[m]![p]!)), F.zero)));
    nonZeroColumns.forEach((p, pi) => {
      for (let qi = pi; qi < nonZeroColumns.length; qi++) {
        let v = F.zero;
        for (let o = 0; o < O; o++) v = F.add(v, F.mul(J[o]![p]!, LJ[o]![qi]!));
        add(p, nonZeroColumns[qi]!, v);
      }
    });
    // The residual term ∇²(eᵀ f): cross-layer blocks k < l only.
    const delta = G.map((Gk) => Gk[0]!.map((_, i) => Gk.reduce((sum, row, o) => F.add(sum, F.mul(e[o]!, row[i]!)), F.zero)));
    for (let k = 0; k < K - 1; k++) {
      // A = ∂a_{l−1}/∂z_k, starting at l − 1 = k with D_k.
      let A: T[][] = pass.derivatives[k]!.map((d, n) => pass.derivatives[k]!.map((_, i) => (i === n ? d : F.zero)));
      for (let l = k + 1; l < K; l++) {
        if (l > k + 1) {
          const W = net.layers[l - 1]!.weights;
          const d = pass.derivatives[l - 1]!;
          A = W.map((row, n) => A[0]!.map((_, i) => F.mul(d[n]!, row.reduce((sum, wv, m) => F.add(sum, F.mul(wv, A[m]![i]!)), F.zero))));
        }
        const aPrev = pass.activations[k]!; // a_{k−1} in the comment's 1-based numbering
        for (let m = 0; m < shape.sizes[l]!; m++) {
          const dm = delta[l]![m]!;
          if (F.sign(dm) === 0) continue;
          for (let n = 0; n < fanIn[l]!; n++) {
            const q = weightOffset[l]! + m * fanIn[l]! + n;
            for (let i = 0; i < shape.sizes[k]!; i++) {
              const c = F.mul(dm, A[n]![i]!);
              if (F.sign(c) === 0) continue;
              for (let j = 0; j < fanIn[k]!; j++) add(weightOffset[k]! + i * fanIn[k]! + j, q, F.mul(c, aPrev[j]!));
              if (biasOffset[k]! >= 0) add(biasOffset[k]! + i, q, c);
            }
          }
        }
      }
    }
  });
  // Mirror the upper triangle (every term above was added with p < q or on the diagonal).
  for (let p = 0; p < P; p++) for (let q = p + 1; q < P; q++) H[q]![p] = H[p]![q]!;
  return H;
}

/**
 * The diagonal of ∇²L alone, in O(N·O·P): for piecewise-linear networks the
 * residual term has no within-layer block (file comment), so
 * H[W_k[i][j]] = Σ_s a_{k−1}[j]² · G_k[:, i]ᵀ Λ G_k[:, i] and the bias entry
 * drops a². Other activations take the diagonal of the whole Hessian.
 * Exact in the rational field; throws KinkError at a kink.
 */
export function lossHessianDiagonal<T>(F: Field<T>, net: Network<T>, data: Dataset<T>): T[] {
  checkCompatible(net, data);
  if (!net.layers.every((l) => PIECEWISE_LINEAR.includes(l.activation))) return lossHessian(F, net, data).map((row, p) => row[p]!);
  const shape = shapeOf(net);
  const { weightOffset, biasOffset, fanIn } = parameterOffsets(shape);
  const diagonal = new Array<T>(parameterCount(shape)).fill(F.zero);
  const { passes, derivs, scaled } = prepare(F, net, data);
  const weights = weightsOf(net);
  passes.forEach((pass, s) => {
    const lambda = derivs[s]!.hessian;
    const G = outputJacobians(F, weights, pass);
    G.forEach((Gk, k) => {
      const a = pass.activations[k]!;
      for (let i = 0; i < shape.sizes[k]!; i++) {
        let q = F.zero;
        for (let o = 0; o < Gk.length; o++) {
          if (F.sign(Gk[o]![i]!) === 0) continue;
          let row = F.zero;
          for (let o2 = 0; o2 < Gk.length; o2++) row = F.add(row, F.mul(lambda[o]![o2]!, Gk[o2]![i]!));
          q = F.add(q, F.mul(Gk[o]![i]!, row));
        }
        if (F.sign(q) === 0) continue;
        for (let j = 0; j < fanIn[k]!; j++) {
          const at = weightOffset[k]! + i * fanIn[k]! + j;
          diagonal[at] = F.add(diagonal[at]!, F.mul(q, F.mul(a[j]!, a[j]!)));
        }
        if (biasOffset[k]! >= 0) diagonal[biasOffset[k]! + i] = F.add(diagonal[biasOffset[k]! + i]!, q);
      }
    });
  });
  return scaled(diagonal);
}

/**
 * H v, by forward-over-reverse: the gradient computed in dual numbers at
 * θ + v·ε has H v as its tangent. Any activation and loss the field can
 * evaluate (tanh, softplus and cross-entropy need float64 or bignumber);
 * exact in the rational field. Throws KinkError at a kink.
 */
export function lossHessianVectorProduct<T>(F: Field<T>, net: Network<T>, data: Dataset<T>, v: readonly T[]): T[] {
  const D = dualField(F);
  const theta = flatten(net);
  if (v.length !== theta.length) throw new RangeError(`hvp: expected a vector of ${theta.length} entries, got ${v.length}`);
  const constant = (x: T): Dual<T> => ({ value: x, tangent: F.zero });
  const moving = unflatten(mapNetwork(net, constant), theta.map((x, i) => ({ value: x, tangent: v[i]! })));
  return lossGradient(D, moving, mapDataset(data, constant)).map((g) => g.tangent);
}

/** ∇²L from P Hessian-vector products with the unit vectors, symmetrised (exactly symmetric already in exact fields). */
export function hessianByProducts<T>(F: Field<T>, net: Network<T>, data: Dataset<T>): T[][] {
  const P = parameterCount(shapeOf(net));
  assertDenseFits(P, F.exact ? EXACT_ENTRY_BYTES : FLOAT_ENTRY_BYTES, `${F.name} Hessian`);
  const columns = Array.from({ length: P }, (_, j) => lossHessianVectorProduct(F, net, data, Array.from({ length: P }, (_, i) => (i === j ? F.one : F.zero))));
  if (F.exact) return columns; // H[i][j] = columns[j][i] = columns[i][j]
  const half = F.div(F.one, F.fromScalar(2));
  return columns.map((_, i) => columns.map((col, j) => F.mul(half, F.add(columns[i]![j]!, col[i]!))));
}

/**
 * ∇²L(θ), exact in the rational field; throws KinkError at a kink.
 * Piecewise-linear activations use the closed form of the file comment;
 * tanh and softplus, whose φ″ does not vanish, use forward-over-reverse.
 */
export function lossHessian<T>(F: Field<T>, net: Network<T>, data: Dataset<T>): T[][] {
  checkCompatible(net, data);
  if (!net.layers.every((l) => PIECEWISE_LINEAR.includes(l.activation))) return hessianByProducts(F, net, data);
  assertDenseFits(parameterCount(shapeOf(net)), F.exact ? EXACT_ENTRY_BYTES : FLOAT_ENTRY_BYTES, `${F.name} Hessian`);
  const { passes, derivs, scaled } = prepare(F, net, data);
  return hessianFromPasses(F, net, passes, derivs).map(scaled);
}
