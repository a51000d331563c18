/**
 * The float64 engine at scale: loss, gradient and Hessian-vector products of
 * an MLP on Float64Array, batched over samples, with no autodiff framework.
 * The gradient is backprop; H v is Pearlmutter's R-operator (forward-mode
 * over the backward pass), which for every activation is
 *
 *   R{z_k} = R{a_{k−1}} W_kᵀ + a_{k−1} V_kᵀ + c_k,   R{a_k} = φ′(z_k) ⊙ R{z_k}
 *   R{δ_k} = R{g_k} ⊙ φ′(z_k) + g_k ⊙ φ″(z_k) ⊙ R{z_k}       (δ_k = g_k ⊙ φ′(z_k))
 *   R{∇W_k} = R{δ_k}ᵀ a_{k−1} + δ_kᵀ R{a_{k−1}},  R{g_{k−1}} = R{δ_k} W_k + δ_k V_k
 *
 * with g_K = ∂L/∂f and R{g_K} = ∇²_f L · R{f} (mse: 2/(N·O); cross-entropy:
 * (diag p − p pᵀ)/N per sample). Same values as derivatives.ts's field code
 * in float64, in O(N·P) per product, with no P × P matrix.
 */
import { KinkError } from '../field/errors.js';
import type { ActivationName, Dataset, Network } from '../network/types.js';
import { checkCompatible } from '../network/json.js';
import { flatten } from '../network/flat.js';
import { assertDenseFits, FLOAT_ENTRY_BYTES } from '../linalg/dense.js';

interface Layer {
  out: number;
  in: number;
  activation: ActivationName;
  slope: number;
  hasBias: boolean;
  /** Offsets of W (row-major) and b in θ. */
  w: number;
  b: number;
}

/** φ(z), φ′(z), φ″(z) for one activation; φ′ is undefined (NaN) at a kink. */
function activation(name: ActivationName, slope: number, z: number): [number, number, number] {
  switch (name) {
    case 'relu':
      return z > 0 ? [z, 1, 0] : z < 0 ? [0, 0, 0] : [0, NaN, 0];
    case 'leaky-relu':
      return z > 0 ? [z, 1, 0] : z < 0 ? [slope * z, slope, 0] : [0, NaN, 0];
    case 'abs':
      return z > 0 ? [z, 1, 0] : z < 0 ? [-z, -1, 0] : [0, NaN, 0];
    case 'linear':
      return [z, 1, 0];
    case 'tanh': {
      const t = Math.tanh(z);
      const d = 1 - t * t;
      return [t, d, -2 * t * d];
    }
    case 'softplus': {
      const e = Math.exp(-Math.abs(z));
      const s = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      return [Math.max(z, 0) + Math.log1p(e), s, s * (1 - s)];
    }
  }
}

/** A network and dataset held as typed arrays, for repeated loss, gradient and HVP calls at any θ. */
export class Float64Problem {
  readonly size: number;
  private readonly layers: Layer[];
  private readonly inputs: Float64Array;
  private readonly N: number;
  private readonly targets: Float64Array;
  private readonly labels: Int32Array;
  readonly theta: Float64Array;

  constructor(
    net: Network<number>,
    private readonly data: Dataset<number>,
  ) {
    checkCompatible(net, data);
    let at = 0;
    let fanIn = net.inputSize;
    this.layers = net.layers.map((l) => {
      const layer: Layer = { out: l.weights.length, in: fanIn, activation: l.activation, slope: l.slope ?? 0, hasBias: l.bias !== undefined, w: at, b: -1 };
      at += layer.out * fanIn;
      if (layer.hasBias) {
        layer.b = at;
        at += layer.out;
      }
      fanIn = layer.out;
      return layer;
    });
    this.size = at;
    this.theta = Float64Array.from(flatten(net));
    this.N = data.inputs.length;
    this.inputs = Float64Array.from(data.inputs.flat());
    this.targets = data.loss === 'mse' ? Float64Array.from(data.targets.flat()) : new Float64Array(0);
    this.labels = data.loss === 'cross-entropy' ? Int32Array.from(data.targets) : new Int32Array(0);
  }

  private get outputs(): number {
    return this.layers[this.layers.length - 1]!.out;
  }

  /** Pre-activations, activations and φ′, φ″ per layer (each N × n_k), at θ. */
  private forward(theta: ArrayLike<number>) {
    const N = this.N;
    const a: Float64Array[] = [this.inputs];
    const d1: Float64Array[] = [];
    const d2: Float64Array[] = [];
    const z: Float64Array[] = [];
    this.layers.forEach((L, k) => {
      const prev = a[k]!;
      const zk = new Float64Array(N * L.out);
      const ak = new Float64Array(N * L.out);
      const dk = new Float64Array(N * L.out);
      const ddk = new Float64Array(N * L.out);
      for (let s = 0; s < N; s++) {
        const x = s * L.in;
        for (let i = 0; i < L.out; i++) {
          let sum = L.hasBias ? theta[L.b + i]! : 0;
          const w = L.w + i * L.in;
          for (let j = 0; j < L.in; j++) sum += theta[w + j]! * prev[x + j]!;
          const [v, d, dd] = activation(L.activation, L.slope, sum);
          if (Number.isNaN(d)) throw new KinkError(s, k, i);
          const at = s * L.out + i;
          zk[at] = sum;
          ak[at] = v;
          dk[at] = d;
          ddk[at] = dd;
        }
      }
      z.push(zk);
      a.push(ak);
      d1.push(dk);
      d2.push(ddk);
    });
    return { a, d1, d2, z };
  }

  /** L and g_K = ∂L/∂f (N × O), and for cross-entropy the softmax p. */
  private outputLoss(f: Float64Array): { loss: number; g: Float64Array; p?: Float64Array } {
    const N = this.N;
    const O = this.outputs;
    const g = new Float64Array(N * O);
    if (this.data.loss === 'mse') {
      let sum = 0;
      const c = 2 / (N * O);
      for (let i = 0; i < N * O; i++) {
        const r = f[i]! - this.targets[i]!;
        sum += r * r;
        g[i] = c * r;
      }
      return { loss: sum / (N * O), g };
    }
    const p = new Float64Array(N * O);
    let sum = 0;
    for (let s = 0; s < N; s++) {
      let max = -Infinity;
      for (let o = 0; o < O; o++) max = Math.max(max, f[s * O + o]!);
      let total = 0;
      for (let o = 0; o < O; o++) total += (p[s * O + o] = Math.exp(f[s * O + o]! - max));
      const label = this.labels[s]!;
      sum += Math.log(total) - (f[s * O + label]! - max);
      for (let o = 0; o < O; o++) {
        p[s * O + o] = p[s * O + o]! / total;
        g[s * O + o] = (p[s * O + o]! - (o === label ? 1 : 0)) / N;
      }
    }
    return { loss: sum / N, g, p };
  }

  loss(theta: ArrayLike<number> = this.theta): number {
    const { a } = this.forward(theta);
    return this.outputLoss(a[a.length - 1]!).loss;
  }

  gradient(theta: ArrayLike<number> = this.theta): Float64Array {
    const pass = this.forward(theta);
    const { g } = this.outputLoss(pass.a[pass.a.length - 1]!);
    const grad = new Float64Array(this.size);
    this.backward(theta, pass, g, grad);
    return grad;
  }

  /** Backprop of g_K through the layers, into `grad` when given: δ_k = g_k ⊙ φ′(z_k) and g_k = ∂L/∂a_k for every layer. */
  private backward(theta: ArrayLike<number>, pass: ReturnType<Float64Problem['forward']>, gK: Float64Array, grad?: Float64Array): { deltas: Float64Array[]; gs: Float64Array[] } {
    const N = this.N;
    const deltas: Float64Array[] = new Array(this.layers.length);
    const gs: Float64Array[] = new Array(this.layers.length);
    let g = gK;
    for (let k = this.layers.length - 1; k >= 0; k--) {
      const L = this.layers[k]!;
      gs[k] = g;
      const delta = new Float64Array(N * L.out);
      const d = pass.d1[k]!;
      for (let i = 0; i < N * L.out; i++) delta[i] = g[i]! * d[i]!;
      deltas[k] = delta;
      if (grad) accumulateOuter(grad, L, delta, pass.a[k]!, N);
      if (k > 0) g = backThrough(theta, L, delta, N);
    }
    return { deltas, gs };
  }

  /** H v at θ, by the R-operator (file comment). */
  hvp(v: ArrayLike<number>, theta: ArrayLike<number> = this.theta): Float64Array {
    if (v.length !== this.size) throw new RangeError(`hvp: expected a vector of ${this.size} entries, got ${v.length}`);
    const N = this.N;
    const pass = this.forward(theta);
    const f = pass.a[pass.a.length - 1]!;
    const { g, p } = this.outputLoss(f);
    const { deltas, gs } = this.backward(theta, pass, g);
    // Forward: R{z_k}, R{a_k}.
    const Rz: Float64Array[] = [];
    const Ra: Float64Array[] = [new Float64Array(N * this.layers[0]!.in)];
    this.layers.forEach((L, k) => {
      const prev = pass.a[k]!;
      const Rprev = Ra[k]!;
      const rz = new Float64Array(N * L.out);
      const ra = new Float64Array(N * L.out);
      for (let s = 0; s < N; s++) {
        const x = s * L.in;
        for (let i = 0; i < L.out; i++) {
          let sum = L.hasBias ? v[L.b + i]! : 0;
          const w = L.w + i * L.in;
          for (let j = 0; j < L.in; j++) sum += theta[w + j]! * Rprev[x + j]! + v[w + j]! * prev[x + j]!;
          rz[s * L.out + i] = sum;
          ra[s * L.out + i] = pass.d1[k]![s * L.out + i]! * sum;
        }
      }
      Rz.push(rz);
      Ra.push(ra);
    });
    // R{g_K} = ∇²_f L · R{f}.
    const O = this.outputs;
    const Rf = Ra[Ra.length - 1]!;
    let Rg: Float64Array = new Float64Array(N * O);
    if (this.data.loss === 'mse') {
      const c = 2 / (N * O);
      for (let i = 0; i < N * O; i++) Rg[i] = c * Rf[i]!;
    } else {
      for (let s = 0; s < N; s++) {
        let pr = 0;
        for (let o = 0; o < O; o++) pr += p![s * O + o]! * Rf[s * O + o]!;
        for (let o = 0; o < O; o++) Rg[s * O + o] = (p![s * O + o]! * (Rf[s * O + o]! - pr)) / N;
      }
    }
    // Backward: R{δ_k}, R{∇θ}, R{g_{k−1}}.
    const out = new Float64Array(this.size);
    for (let k = this.layers.length - 1; k >= 0; k--) {
      const gk = gs[k]!;
      const L = this.layers[k]!;
      const d = pass.d1[k]!;
      const dd = pass.d2[k]!;
      const rz = Rz[k]!;
      const Rdelta = new Float64Array(N * L.out);
      for (let i = 0; i < N * L.out; i++) Rdelta[i] = Rg[i]! * d[i]! + gk[i]! * dd[i]! * rz[i]!;
      const delta = deltas[k]!;
      accumulateOuter(out, L, Rdelta, pass.a[k]!, N);
      // δ_kᵀ R{a_{k−1}} (weights only: the bias has no a factor).
      accumulateOuter(out, { ...L, hasBias: false }, delta, Ra[k]!, N);
      if (k > 0) {
        const next = backThrough(theta, L, Rdelta, N);
        const viaV = backThrough(v, L, delta, N);
        for (let i = 0; i < next.length; i++) next[i] = next[i]! + viaV[i]!;
        Rg = next;
      }
    }
    return out;
  }

  /** Dense Hessian from P products with the unit vectors, symmetrised. */
  hessian(theta: ArrayLike<number> = this.theta): number[][] {
    assertDenseFits(this.size, FLOAT_ENTRY_BYTES, 'Hessian');
    const e = new Float64Array(this.size);
    const columns = Array.from({ length: this.size }, (_, j) => {
      e.fill(0);
      e[j] = 1;
      return this.hvp(e, theta);
    });
    return columns.map((_, i) => columns.map((col, j) => (columns[i]![j]! + col[i]!) / 2));
  }
}

/** grad[W] += δᵀ a (n_out × n_in), grad[b] += Σ_s δ. */
function accumulateOuter(grad: Float64Array, L: Layer, delta: Float64Array, a: Float64Array, N: number): void {
  for (let s = 0; s < N; s++) {
    const x = s * L.in;
    for (let i = 0; i < L.out; i++) {
      const di = delta[s * L.out + i]!;
      if (di === 0) continue;
      const w = L.w + i * L.in;
      for (let j = 0; j < L.in; j++) grad[w + j] = grad[w + j]! + di * a[x + j]!;
      if (L.hasBias) grad[L.b + i] = grad[L.b + i]! + di;
    }
  }
}

/** δ W (N × n_in) with W read from `weights` at the layer's offsets. */
function backThrough(weights: ArrayLike<number>, L: Layer, delta: Float64Array, N: number): Float64Array {
  const g = new Float64Array(N * L.in);
  for (let s = 0; s < N; s++) {
    const x = s * L.in;
    for (let i = 0; i < L.out; i++) {
      const di = delta[s * L.out + i]!;
      if (di === 0) continue;
      const w = L.w + i * L.in;
      for (let j = 0; j < L.in; j++) g[x + j] = g[x + j]! + di * weights[w + j]!;
    }
  }
  return g;
}
