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
 *
 * Speed: every product is one kernel, C = A Bᵀ over row-major blocks (gemmABt),
 * register-blocked 4 × 4; the operands it needs transposed (Wᵀ, δᵀ, aᵀ) are
 * O(P + N·width) copies, written where they are produced. All intermediates
 * live in buffers made once per problem; only the returned vectors are new.
 */
import { KinkError } from '../field/errors.js';
import type { ActivationName, Dataset, Network } from '../network/types.js';
import { checkCompatible } from '../network/json.js';
import { flatten, parameterCount, parameterOffsets } from '../network/flat.js';
import { shapeOf } from '../network/types.js';
import { PIECEWISE_LINEAR } from './derivatives.js';
import { denseHessian } from '../linalg/dense.js';

interface Layer {
  out: number;
  in: number;
  activation: ActivationName;
  slope: number;
  hasBias: boolean;
  /** Offsets of W (row-major) and b (−1 without a bias) in θ. */
  w: number;
  b: number;
  /** φ″ ≡ 0 (piecewise linear): no φ″ buffer and no φ″ term in R{δ}. */
  linearPieces: boolean;
}

/** One layer's work buffers: N × out row-major unless named …T (out × N), and Wᵀ, Vᵀ (in × out). */
interface Buffers {
  /** z, then φ(z) in place: the next layer's input. */
  a: Float64Array;
  aT: Float64Array;
  d1: Float64Array;
  d2: Float64Array;
  /** ∂L/∂a (the layer's output). */
  g: Float64Array;
  delta: Float64Array;
  deltaT: Float64Array;
  Wt: Float64Array;
  Vt: Float64Array;
  Rz: Float64Array;
  Ra: Float64Array;
  RaT: Float64Array;
  Rg: Float64Array;
  Rdelta: Float64Array;
  RdeltaT: Float64Array;
}

/** A network and dataset held as typed arrays, for repeated loss, gradient and HVP calls at any θ. */
export class Float64Problem {
  readonly size: number;
  private readonly layers: Layer[];
  private readonly inputs: Float64Array;
  private readonly inputsT: Float64Array;
  private readonly N: number;
  private readonly targets: Float64Array;
  private readonly labels: Int32Array;
  /** Softmax p (cross-entropy), N × O. */
  private readonly p: Float64Array;
  private readonly buffers: Buffers[];
  /** θ and v copied here when they come as plain arrays, so the kernels see one array type (made on first use: P entries each). */
  private thetaCopy?: Float64Array;
  private vCopy?: Float64Array;
  readonly theta: Float64Array;

  constructor(
    net: Network<number>,
    private readonly data: Dataset<number>,
  ) {
    checkCompatible(net, data);
    const shape = shapeOf(net);
    const { weightOffset, biasOffset, fanIn } = parameterOffsets(shape);
    this.layers = net.layers.map((l, k) => ({
      out: l.weights.length,
      in: fanIn[k]!,
      activation: l.activation,
      slope: l.slope ?? 0,
      hasBias: l.bias !== undefined,
      w: weightOffset[k]!,
      b: biasOffset[k]!,
      linearPieces: PIECEWISE_LINEAR.includes(l.activation),
    }));
    this.size = parameterCount(shape);
    this.theta = Float64Array.from(flatten(net));
    const N = (this.N = data.inputs.length);
    this.inputs = Float64Array.from(data.inputs.flat());
    this.inputsT = transposed(this.inputs, N, net.inputSize);
    this.targets = data.loss === 'mse' ? Float64Array.from(data.targets.flat()) : new Float64Array(0);
    this.labels = data.loss === 'cross-entropy' ? Int32Array.from(data.targets) : new Int32Array(0);
    this.p = new Float64Array(data.loss === 'cross-entropy' ? N * this.outputs : 0);
    const empty = new Float64Array(0);
    this.buffers = this.layers.map((L) => {
      const n = N * L.out;
      const make = () => new Float64Array(n);
      return {
        a: make(),
        aT: make(),
        d1: make(),
        d2: L.linearPieces ? empty : make(),
        g: make(),
        delta: make(),
        deltaT: make(),
        Wt: new Float64Array(L.in * L.out),
        Vt: empty,
        Rz: make(),
        Ra: make(),
        RaT: make(),
        Rg: make(),
        Rdelta: make(),
        RdeltaT: make(),
      };
    });
  }

  private get outputs(): number {
    return this.layers[this.layers.length - 1]!.out;
  }

  private asTheta(theta: ArrayLike<number>): Float64Array {
    if (theta.length !== this.size) throw new RangeError(`expected θ of ${this.size} entries, got ${theta.length}`);
    if (theta instanceof Float64Array) return theta;
    this.thetaCopy ??= new Float64Array(this.size);
    this.thetaCopy.set(theta);
    return this.thetaCopy;
  }

  /** The layer's input activations (N × in) and their transpose. */
  private input(k: number): { a: Float64Array; aT: Float64Array } {
    return k === 0 ? { a: this.inputs, aT: this.inputsT } : this.buffers[k - 1]!;
  }

  /** a_k = φ(z_k), φ′, φ″ and a_kᵀ for every layer, at θ. */
  private forward(theta: Float64Array): void {
    const N = this.N;
    this.layers.forEach((L, k) => {
      const B = this.buffers[k]!;
      // z = b + W x, summed from the bias as the field code sums it.
      if (L.hasBias) for (let s = 0; s < N; s++) B.a.set(theta.subarray(L.b, L.b + L.out), s * L.out);
      gemmABt(B.a, 0, this.input(k).a, 0, theta, L.w, N, L.out, L.in, L.hasBias);
      activate(L, k, N, B);
    });
  }

  /** L, and g_K = ∂L/∂f (N × O) into the last layer's g; for cross-entropy the softmax p into this.p. */
  private outputLoss(): number {
    const N = this.N;
    const O = this.outputs;
    const last = this.buffers[this.buffers.length - 1]!;
    const f = last.a;
    const g = last.g;
    if (this.data.loss === 'mse') {
      let sum = 0;
      const c = 2 / (N * O);
      for (let i = 0; i < N * O; i++) {
        const r = f[i]! - this.targets[i]!;
        sum += r * r;
        g[i] = c * r;
      }
      return sum / (N * O);
    }
    const p = this.p;
    let sum = 0;
    for (let s = 0; s < N; s++) {
      let max = -Infinity;
      for (let o = 0; o < O; o++) max = Math.max(max, f[s * O + o]!);
      let total = 0;
      for (let o = 0; o < O; o++) total += p[s * O + o] = Math.exp(f[s * O + o]! - max);
      const label = this.labels[s]!;
      sum += Math.log(total) - (f[s * O + label]! - max);
      for (let o = 0; o < O; o++) {
        p[s * O + o] = p[s * O + o]! / total;
        g[s * O + o] = (p[s * O + o]! - (o === label ? 1 : 0)) / N;
      }
    }
    return sum / N;
  }

  loss(theta: ArrayLike<number> = this.theta): number {
    this.forward(this.asTheta(theta));
    return this.outputLoss();
  }

  gradient(theta: ArrayLike<number> = this.theta): Float64Array {
    const t = this.asTheta(theta);
    this.forward(t);
    this.outputLoss();
    const grad = new Float64Array(this.size);
    this.backward(t, grad);
    return grad;
  }

  /** Backprop of g_K through the layers: δ_k = g_k ⊙ φ′(z_k) and g_{k−1} = δ_k W_k, and ∇θ into `grad` when given. */
  private backward(theta: Float64Array, grad?: Float64Array): void {
    const N = this.N;
    for (let k = this.layers.length - 1; k >= 0; k--) {
      const L = this.layers[k]!;
      const { g, d1, delta, deltaT, Wt } = this.buffers[k]!;
      const out = L.out;
      for (let s = 0; s < N; s++) {
        for (let i = 0; i < out; i++) {
          const x = g[s * out + i]! * d1[s * out + i]!;
          delta[s * out + i] = x;
          deltaT[i * N + s] = x;
        }
      }
      if (grad) {
        gemmABt(grad, L.w, deltaT, 0, this.input(k).aT, 0, out, L.in, N, false);
        if (L.hasBias) rowSums(grad, L.b, deltaT, out, N);
      }
      if (k > 0) {
        transposeInto(Wt, theta, L.w, out, L.in);
        gemmABt(this.buffers[k - 1]!.g, 0, delta, 0, Wt, 0, N, L.in, out, false);
      }
    }
  }

  /** H v at θ, by the R-operator (file comment). */
  hvp(v: ArrayLike<number>, theta: ArrayLike<number> = this.theta): Float64Array {
    if (v.length !== this.size) throw new RangeError(`hvp: expected a vector of ${this.size} entries, got ${v.length}`);
    const N = this.N;
    const t = this.asTheta(theta);
    let V: Float64Array;
    if (v instanceof Float64Array) V = v;
    else {
      V = this.vCopy ??= new Float64Array(this.size);
      V.set(v);
    }
    this.forward(t);
    this.outputLoss();
    this.backward(t);
    // Forward: R{z_k}, R{a_k} (R{a_0} = 0).
    this.layers.forEach((L, k) => {
      const { d1, Rz, Ra, RaT } = this.buffers[k]!;
      if (k > 0) gemmABt(Rz, 0, this.buffers[k - 1]!.Ra, 0, t, L.w, N, L.out, L.in, false);
      gemmABt(Rz, 0, this.input(k).a, 0, V, L.w, N, L.out, L.in, k > 0);
      const out = L.out;
      for (let s = 0; s < N; s++) {
        for (let i = 0; i < out; i++) {
          const at = s * out + i;
          const rz = L.hasBias ? Rz[at]! + V[L.b + i]! : Rz[at]!;
          Rz[at] = rz;
          const ra = d1[at]! * rz;
          Ra[at] = ra;
          RaT[i * N + s] = ra;
        }
      }
    });
    // R{g_K} = ∇²_f L · R{f}.
    const O = this.outputs;
    const last = this.buffers[this.buffers.length - 1]!;
    const Rf = last.Ra;
    const RgK = last.Rg;
    if (this.data.loss === 'mse') {
      const c = 2 / (N * O);
      for (let i = 0; i < N * O; i++) RgK[i] = c * Rf[i]!;
    } else {
      const p = this.p;
      for (let s = 0; s < N; s++) {
        let pr = 0;
        for (let o = 0; o < O; o++) pr += p[s * O + o]! * Rf[s * O + o]!;
        for (let o = 0; o < O; o++) RgK[s * O + o] = (p[s * O + o]! * (Rf[s * O + o]! - pr)) / N;
      }
    }
    // Backward: R{δ_k}, R{∇θ}, R{g_{k−1}}.
    const result = new Float64Array(this.size);
    for (let k = this.layers.length - 1; k >= 0; k--) {
      const L = this.layers[k]!;
      const buffers = this.buffers[k]!;
      const { g, d1, d2, Rz, Rg, Rdelta, RdeltaT, delta, deltaT, Wt } = buffers;
      const out = L.out;
      for (let s = 0; s < N; s++) {
        for (let i = 0; i < out; i++) {
          const at = s * out + i;
          const x = L.linearPieces ? Rg[at]! * d1[at]! : Rg[at]! * d1[at]! + g[at]! * d2[at]! * Rz[at]!;
          Rdelta[at] = x;
          RdeltaT[i * N + s] = x;
        }
      }
      gemmABt(result, L.w, RdeltaT, 0, this.input(k).aT, 0, out, L.in, N, false);
      if (L.hasBias) rowSums(result, L.b, RdeltaT, out, N);
      if (k > 0) {
        // δ_kᵀ R{a_{k−1}} (weights only: the bias has no a factor).
        gemmABt(result, L.w, deltaT, 0, this.buffers[k - 1]!.RaT, 0, out, L.in, N, true);
        // Wt holds W_kᵀ from backward(); Vᵀ's buffer is made on the first product.
        if (buffers.Vt.length === 0) buffers.Vt = new Float64Array(L.in * out);
        const Vt = buffers.Vt;
        transposeInto(Vt, V, L.w, out, L.in);
        const Rprev = this.buffers[k - 1]!.Rg;
        gemmABt(Rprev, 0, Rdelta, 0, Wt, 0, N, L.in, out, false);
        gemmABt(Rprev, 0, delta, 0, Vt, 0, N, L.in, out, true);
      }
    }
    return result;
  }

  /** Dense Hessian from P products with the unit vectors, symmetrised. */
  hessian(theta: ArrayLike<number> = this.theta): number[][] {
    return denseHessian(this.size, (v) => this.hvp(v, theta));
  }
}

/**
 * z (in `a`) → a = φ(z) and aᵀ, φ′, φ″, one loop per kind
 * of activation. φ′ is undefined at a kink and at NaN: the field code's refusal.
 */
function activate(L: Layer, k: number, N: number, B: Buffers): void {
  const { a, aT, d1, d2 } = B;
  const out = L.out;
  if (L.activation === 'linear') {
    for (let s = 0; s < N; s++) {
      for (let i = 0; i < out; i++) {
        const at = s * out + i;
        const z = a[at]!;
        a[at] = z;
        aT[i * N + s] = z;
        d1[at] = 1;
      }
    }
  } else if (L.linearPieces) {
    // relu, leaky-relu, abs: slope 1 above 0 and σ below.
    const below = L.activation === 'relu' ? 0 : L.activation === 'abs' ? -1 : L.slope;
    for (let s = 0; s < N; s++) {
      for (let i = 0; i < out; i++) {
        const at = s * out + i;
        const z = a[at]!;
        if (!(z > 0 || z < 0)) throw new KinkError(s, k, i);
        const d = z > 0 ? 1 : below;
        const v = z > 0 ? z : below * z + 0; // + 0: relu gives 0, not −0
        a[at] = v;
        aT[i * N + s] = v;
        d1[at] = d;
      }
    }
  } else {
    const tanh = L.activation === 'tanh';
    for (let s = 0; s < N; s++) {
      for (let i = 0; i < out; i++) {
        const at = s * out + i;
        const z = a[at]!;
        let v: number;
        let d: number;
        if (tanh) {
          v = Math.tanh(z);
          d = 1 - v * v;
          d2[at] = -2 * v * d;
        } else {
          // softplus
          const e = Math.exp(-Math.abs(z));
          d = z >= 0 ? 1 / (1 + e) : e / (1 + e);
          v = Math.max(z, 0) + Math.log1p(e);
          d2[at] = d * (1 - d);
        }
        if (Number.isNaN(d)) throw new KinkError(s, k, i);
        a[at] = v;
        aT[i * N + s] = v;
        d1[at] = d;
      }
    }
  }
}

function transposed(x: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  transposeInto(t, x, 0, rows, cols);
  return t;
}

/** t (cols × rows) = the rows × cols block of x at `from`, transposed. */
function transposeInto(t: Float64Array, x: Float64Array, from: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const at = from + r * cols;
    for (let c = 0; c < cols; c++) t[c * rows + r] = x[at + c]!;
  }
}

/** out[at + i] = Σ_s x[i·N + s] for i < rows. */
function rowSums(out: Float64Array, at: number, x: Float64Array, rows: number, N: number): void {
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let s = 0; s < N; s++) sum += x[i * N + s]!;
    out[at + i] = sum;
  }
}

/**
 * C (m × n, at c0) = A Bᵀ, or C += A Bᵀ when `add`: A is m × k at a0 and B is
 * n × k at b0, all row-major, so every inner loop runs along two contiguous
 * rows. Blocks of 4 rows of A by 4 rows of B keep 16 sums in registers (each
 * load feeds four products); B's block stays in cache while A streams past.
 * With `add` each sum starts from C's entry and adds the products in order,
 * ((c + a₀b₀) + a₁b₁) + …: a bias put in C first is summed as the field code
 * sums b + Σ w x, to the same bits, so both see the same kinks.
 */
function gemmABt(C: Float64Array, c0: number, A: Float64Array, a0: number, B: Float64Array, b0: number, m: number, n: number, k: number, add: boolean): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const p0 = b0 + j * k;
    const p1 = p0 + k;
    const p2 = p1 + k;
    const p3 = p2 + k;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const q0 = a0 + i * k;
      const q1 = q0 + k;
      const q2 = q1 + k;
      const q3 = q2 + k;
      const o0 = c0 + i * n + j;
      const o1 = o0 + n;
      const o2 = o1 + n;
      const o3 = o2 + n;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      if (add) {
        c00 = C[o0]!; c01 = C[o0 + 1]!; c02 = C[o0 + 2]!; c03 = C[o0 + 3]!;
        c10 = C[o1]!; c11 = C[o1 + 1]!; c12 = C[o1 + 2]!; c13 = C[o1 + 3]!;
        c20 = C[o2]!; c21 = C[o2 + 1]!; c22 = C[o2 + 2]!; c23 = C[o2 + 3]!;
        c30 = C[o3]!; c31 = C[o3 + 1]!; c32 = C[o3 + 2]!; c33 = C[o3 + 3]!;
      }
      for (let l = 0; l < k; l++) {
        const x0 = B[p0 + l]!;
        const x1 = B[p1 + l]!;
        const x2 = B[p2 + l]!;
        const x3 = B[p3 + l]!;
        let y = A[q0 + l]!;
        c00 += y * x0; c01 += y * x1; c02 += y * x2; c03 += y * x3;
        y = A[q1 + l]!;
        c10 += y * x0; c11 += y * x1; c12 += y * x2; c13 += y * x3;
        y = A[q2 + l]!;
        c20 += y * x0; c21 += y * x1; c22 += y * x2; c23 += y * x3;
        y = A[q3 + l]!;
        c30 += y * x0; c31 += y * x1; c32 += y * x2; c33 += y * x3;
      }
      C[o0] = c00; C[o0 + 1] = c01; C[o0 + 2] = c02; C[o0 + 3] = c03;
      C[o1] = c10; C[o1 + 1] = c11; C[o1 + 2] = c12; C[o1 + 3] = c13;
      C[o2] = c20; C[o2 + 1] = c21; C[o2 + 2] = c22; C[o2 + 3] = c23;
      C[o3] = c30; C[o3 + 1] = c31; C[o3 + 2] = c32; C[o3 + 3] = c33;
    }
    for (; i < m; i++) {
      const q = a0 + i * k;
      const o = c0 + i * n + j;
      let s0 = add ? C[o]! : 0, s1 = add ? C[o + 1]! : 0, s2 = add ? C[o + 2]! : 0, s3 = add ? C[o + 3]! : 0;
      for (let l = 0; l < k; l++) {
        const y = A[q + l]!;
        s0 += y * B[p0 + l]!;
        s1 += y * B[p1 + l]!;
        s2 += y * B[p2 + l]!;
        s3 += y * B[p3 + l]!;
      }
      C[o] = s0; C[o + 1] = s1; C[o + 2] = s2; C[o + 3] = s3;
    }
  }
  for (; j < n; j++) {
    const p = b0 + j * k;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const q0 = a0 + i * k;
      const q1 = q0 + k;
      const q2 = q1 + k;
      const q3 = q2 + k;
      const o = c0 + i * n + j;
      let s0 = add ? C[o]! : 0, s1 = add ? C[o + n]! : 0, s2 = add ? C[o + 2 * n]! : 0, s3 = add ? C[o + 3 * n]! : 0;
      for (let l = 0; l < k; l++) {
        const x = B[p + l]!;
        s0 += A[q0 + l]! * x;
        s1 += A[q1 + l]! * x;
        s2 += A[q2 + l]! * x;
        s3 += A[q3 + l]! * x;
      }
      C[o] = s0; C[o + n] = s1; C[o + 2 * n] = s2; C[o + 3 * n] = s3;
    }
    for (; i < m; i++) {
      const q = a0 + i * k;
      const o = c0 + i * n + j;
      let s = add ? C[o]! : 0;
      for (let l = 0; l < k; l++) s += A[q + l]! * B[p + l]!;
      C[o] = s;
    }
  }
}
