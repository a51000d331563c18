/**
 * Float32 v2 networks (network/v2.ts) in TensorFlow.js: the loss as a
 * function of the flat θ tensor, its gradient by backprop, Hessian-vector
 * products by double backprop and, for small nets, the dense Hessian.
 *
 * Values are NHWC inside ([N, H, W, C] for a [C, H, W] shape, [N, n] for
 * [n]); a sample arrives flat in C·H·W order and is transposed once, and
 * flatten transposes back to C·H·W so dense weights read the reference's
 * order. Conv weights arrive [out][in][kh][kw] and become tfjs's
 * [kh, kw, in, out].
 *
 * tfjs's own convolution and pooling cannot be differentiated twice on wasm
 * (measured, tfjs 4.22): the wasm backend has no Conv2DBackpropFilter kernel,
 * so even a first filter gradient fails, and MaxPoolGrad and AvgPoolGrad
 * have no registered gradient, so double backprop through a pool throws.
 * Each op here is a tf.customGrad whose gradient is again one of these ops:
 *
 * - convolution is bilinear, and with its two adjoints (the input gradient,
 *   a transposed convolution, and the filter gradient, a dilated
 *   convolution of the swapped-axes input with the output gradient) forms a
 *   family closed under differentiation;
 * - max pooling gathers each window's maximum (its position found in JS,
 *   constant where the maximum is unique), and gathering
 *   and scattering at fixed positions are each other's adjoints;
 * - average pooling and its transpose likewise;
 * - the dense layer's product, whose adjoints are products again;
 * - the bias add, whose adjoint sums over the batch (and positions), whose
 *   adjoint broadcasts back.
 *
 * The gradients avoid the wasm backend's slow paths (measured, tfjs 4.22, a
 * 1e5-parameter conv net): conv2dTranspose (about 10× a conv2d of the same
 * size), matMul with a transposed operand (about 10× a plain one on
 * pre-transposed operands) and gather (about 10× gatherND). So the
 * transposed convolution is a conv2d of the dilated, padded gradient with
 * the flipped filter, products take explicitly transposed operands, and
 * pooling gathers with gatherND.
 *
 * Every function here is tidy: it leaks no tensors.
 */
import { tf } from './backend.js';
import { activateTensor, TWICE_DIFFERENTIABLE, type SmoothOps } from './network.js';
import { TensorProblemBase } from './derivatives.js';
import { InputError } from '../field/errors.js';
import type { Dataset } from '../network/types.js';
import { flattenV2, outputShape, parameterBlocks, size, type LayerV2, type NetworkV2 } from '../network/v2.js';
import { checkCompatibleV2 } from '../autodiff/v2.js';

type Shape4 = [number, number, number, number];

/** The ops a v2 forward pass uses beyond tfjs's elementwise and matrix ones; a different set only to show what it would break. */
export interface OpsV2 extends SmoothOps {
  /**
   * The 'valid' convolution of NHWC x with a [kh, kw, in, out] filter.
   * `xVarying` is false when x does not depend on θ (the data): its gradient is then not computed.
   */
  conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, xVarying: boolean): tf.Tensor4D;
  maxPool(x: tf.Tensor4D, size: number, stride: number): tf.Tensor4D;
  avgPool(x: tf.Tensor4D, size: number, stride: number): tf.Tensor4D;
}

// ---------------------------------------------------------------------------
// Convolution: conv(x, w), its input adjoint input(dy, w) and filter adjoint filter(x, dy).

type Bilinear = 'conv' | 'input' | 'filter';

interface ConvGeometry {
  stride: number;
  /** The (padded) input's shape [N, H, W, C]. */
  input: Shape4;
  /** The filter's shape [kh, kw, C, O]. */
  filter: Shape4;
}

/**
 * ∂L/∂w from the (padded) input and ∂L/∂y: w̄[a,b,c,o] = Σ_{n,i,j} x[n, i·s+a, j·s+b, c]·ȳ[n,i,j,o],
 * a stride-1 convolution of x with channels and batch swapped by ȳ dilated by s, cut to kh × kw.
 */
export function convFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, stride: number): tf.Tensor4D {
  return tf.tidy(() => {
    const xs = tf.transpose(x, [3, 1, 2, 0]); // [C, H, W, N]
    const ds = tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, N, O]
    let r = tf.conv2d(xs, ds, 1, 'valid', 'NHWC', stride); // [C, ≥kh, ≥kw, O]
    if (r.shape[1] !== kh || r.shape[2] !== kw) r = tf.slice(r, [0, 0, 0, 0], [r.shape[0], kh, kw, r.shape[3]]);
    return tf.transpose(r, [1, 2, 0, 3]);
  });
}

/**
 * The transposed 'valid' convolution (∂L/∂x from ∂L/∂y) as a plain stride-1
 * conv2d: ȳ dilated by s (s − 1 zeros between entries), padded by k − 1
 * (and at the end by the rows and columns the stride skipped), convolved
 * with the filter flipped in space, in and out channels swapped.
 */
function transposedConv(dy: tf.Tensor4D, filter: tf.Tensor4D, [N, H, W]: Shape4, stride: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, oh, ow, O] = dy.shape;
    const [kh, kw] = filter.shape;
    let d = dy;
    if (stride > 1) {
      const s = stride;
      const spread = tf.pad(tf.reshape(dy, [N, oh, 1, ow, 1, O]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]);
      d = tf.slice(tf.reshape(spread, [N, oh * s, ow * s, O]), [0, 0, 0, 0], [N, (oh - 1) * s + 1, (ow - 1) * s + 1, O]) as tf.Tensor4D;
    }
    const [dh, dw] = [d.shape[1], d.shape[2]];
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [kh - 1, H - dh], [kw - 1, W - dw], [0, 0]];
    return tf.conv2d(d, flipped, 1, pad);
  });
}

function bilinearValue(kind: Bilinear, a: tf.Tensor4D, b: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  switch (kind) {
    case 'conv':
      return tf.conv2d(a, b, g.stride, 'valid');
    case 'input':
      return transposedConv(a, b, g.input, g.stride);
    case 'filter':
      return convFilterGradient(a, b, g.filter[0], g.filter[1], g.stride);
  }
}

/**
 * One op of the family, differentiable in its varying operands only. The
 * adjoints, given h = ∂L/∂(output):
 *   conv(x, w):    x̄ = input(h, w),  w̄ = filter(x, h)
 *   input(d, w):   d̄ = conv(h, w),   w̄ = filter(h, d)
 *   filter(x, d):  x̄ = input(d, h),  d̄ = conv(x, h)
 * h always varies (in double backprop it depends on θ).
 */
function bilinear(kind: Bilinear, a: tf.Tensor4D, b: tf.Tensor4D, aVaries: boolean, bVaries: boolean, g: ConvGeometry): tf.Tensor4D {
  if (!aVaries && !bVaries) return bilinearValue(kind, a, b, g);
  const op = tf.customGrad((...args: unknown[]) => {
    // Both operands saved (not closed over): the gradient may run after the forward pass's tensors are gone.
    (args[args.length - 1] as tf.GradSaveFunc)([a, b]);
    return {
      value: bilinearValue(kind, a, b, g),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const h = dy as tf.Tensor4D;
        const [sa, sb] = saved as [tf.Tensor4D, tf.Tensor4D];
        const grads: tf.Tensor[] = [];
        if (kind === 'conv') {
          if (aVaries) grads.push(bilinear('input', h, sb, true, bVaries, g));
          if (bVaries) grads.push(bilinear('filter', sa, h, aVaries, true, g));
        } else if (kind === 'input') {
          if (aVaries) grads.push(bilinear('conv', h, sb, true, bVaries, g));
          if (bVaries) grads.push(bilinear('filter', h, sa, true, aVaries, g));
        } else {
          if (aVaries) grads.push(bilinear('input', sb, h, bVaries, true, g));
          if (bVaries) grads.push(bilinear('conv', sa, h, aVaries, true, g));
        }
        return grads;
      },
    };
  });
  return op(...[aVaries ? [a] : [], bVaries ? [b] : []].flat()) as tf.Tensor4D;
}

/** The 'valid' convolution, twice differentiable (any number of times). */
export function conv2dValid(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, xVarying = true): tf.Tensor4D {
  return bilinear('conv', x, filter, xVarying, true, { stride, input: x.shape, filter: filter.shape });
}

/** ∂L/∂x of the 'valid' convolution from ∂L/∂y (a transposed convolution), twice differentiable. */
export function convInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: Shape4, stride: number): tf.Tensor4D {
  return bilinear('input', dy, filter, true, true, { stride, input: inputShape, filter: filter.shape });
}

// ---------------------------------------------------------------------------
// Max pooling: gather at the windows' maxima; gather and scatter at fixed positions are each other's adjoints.

/** u's entries at the flat positions `at` (int32, any shape), shaped `shape`. */
function gatherAt(u: tf.Tensor, at: tf.Tensor, shape: number[]): tf.Tensor {
  const op = tf.customGrad((x, save) => {
    (save as tf.GradSaveFunc)([at]);
    return {
      value: tf.reshape(tf.gatherND(tf.reshape(x as tf.Tensor, [-1]), tf.reshape(at, [-1, 1])), shape),
      gradFunc: (dy, saved) => scatterAt(dy as tf.Tensor, saved[0]!, (x as tf.Tensor).shape),
    };
  });
  return op(u) as tf.Tensor;
}

/** The adjoint of gatherAt: g's entries added into a zero tensor of shape `shape` at the flat positions `at`. */
function scatterAt(g: tf.Tensor, at: tf.Tensor, shape: number[]): tf.Tensor {
  const op = tf.customGrad((x, save) => {
    (save as tf.GradSaveFunc)([at]);
    return {
      value: tf.reshape(tf.scatterND(tf.reshape(at, [-1, 1]), tf.reshape(x as tf.Tensor, [-1]), [size(shape)]), shape),
      gradFunc: (dy, saved) => gatherAt(dy as tf.Tensor, saved[0]!, (x as tf.Tensor).shape),
    };
  });
  return op(g) as tf.Tensor;
}

/**
 * The flat position in x of each window's maximum (the first in row-major
 * order on a tie, as the reference takes it), found in JS: tfjs's
 * maxPoolWithArgmax on wasm returns wrong maxima for some windows and
 * shapes (1×1 and 2×2 windows, measured with tfjs 4.22).
 */
function windowMaxima(x: tf.Tensor4D, size: number, stride: number): tf.Tensor4D {
  const [N, H, W, C] = x.shape;
  const oh = Math.floor((H - size) / stride) + 1;
  const ow = Math.floor((W - size) / stride) + 1;
  const data = x.dataSync();
  const at = new Int32Array(N * oh * ow * C);
  let out = 0;
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let c = 0; c < C; c++) {
          let best = ((n * H + i * stride) * W + j * stride) * C + c;
          for (let a = 0; a < size; a++) {
            for (let b = 0; b < size; b++) {
              const k = ((n * H + i * stride + a) * W + j * stride + b) * C + c;
              if (data[k]! > data[best]!) best = k;
            }
          }
          at[out++] = best;
        }
      }
    }
  }
  return tf.tensor4d(at, [N, oh, ow, C], 'int32');
}

/** Max pooling ('valid'), twice differentiable: it gathers each window's maximum, whose position is locally constant. */
export function maxPool2d(x: tf.Tensor4D, size: number, stride: number): tf.Tensor4D {
  const at = windowMaxima(x, size, stride);
  try {
    return gatherAt(x, at, at.shape) as tf.Tensor4D;
  } finally {
    at.dispose();
  }
}

// ---------------------------------------------------------------------------
// Average pooling and its transpose.

/** The transpose of average pooling: each window's share dy/k² spread over it (channels into the batch, a 1-channel transposed convolution). */
function avgPoolTranspose(dy: tf.Tensor4D, inputShape: Shape4, size: number, stride: number): tf.Tensor4D {
  const op = tf.customGrad((g) => ({
    value: tf.tidy(() => {
      const [N, H, W, C] = inputShape;
      const [, oh, ow] = dy.shape;
      const perChannel = tf.reshape(tf.transpose(g as tf.Tensor4D, [0, 3, 1, 2]), [N * C, oh, ow, 1]) as tf.Tensor4D;
      const spread = transposedConv(perChannel, tf.fill([size, size, 1, 1], 1 / (size * size)) as tf.Tensor4D, [N * C, H, W, 1], stride);
      return tf.transpose(tf.reshape(spread, [N, C, H, W]), [0, 2, 3, 1]) as tf.Tensor4D;
    }),
    gradFunc: (h) => avgPool2d(h as tf.Tensor4D, size, stride),
  }));
  return op(dy) as tf.Tensor4D;
}

/** Average pooling ('valid'), twice differentiable. */
export function avgPool2d(x: tf.Tensor4D, size: number, stride: number): tf.Tensor4D {
  const op = tf.customGrad((input) => ({
    value: tf.avgPool(input as tf.Tensor4D, size, stride, 'valid'),
    gradFunc: (dy) => avgPoolTranspose(dy as tf.Tensor4D, x.shape, size, stride),
  }));
  return op(x) as tf.Tensor4D;
}

// ---------------------------------------------------------------------------
// Batch normalisation with batch statistics.

/** (z − μ)/√(σ² + ε) and the root, μ and the biased σ² over `axes` (every sample and position of a channel). */
function batchStatistics(z: tf.Tensor, axes: number[], epsilon: readonly number[]): { normal: tf.Tensor; root: tf.Tensor } {
  const e = tf.sub(z, tf.mean(z, axes, true));
  const root = tf.sqrt(tf.add(tf.mean(tf.mul(e, e), axes, true), tf.tensor1d(epsilon as number[], 'float32')));
  return { normal: tf.div(e, root), root };
}

/**
 * The train-mode normalisation, with the reference's closed-form backward
 * ∂L/∂z = (ḡ − mean(ḡ) − x̂·mean(ḡ·x̂))/√(σ² + ε) (ḡ = ∂L/∂x̂), recomputed
 * from the saved input with differentiable ops: the same arrangement as the
 * float64 reference, whose error bound then applies (autodiff/v2-bounds.ts).
 */
export function batchNormalize(z: tf.Tensor, axes: number[], epsilon: readonly number[]): tf.Tensor {
  const op = tf.customGrad((x, save) => {
    (save as tf.GradSaveFunc)([x as tf.Tensor]);
    return {
      value: batchStatistics(x as tf.Tensor, axes, epsilon).normal,
      gradFunc: (dy, saved) => {
        const g = dy as tf.Tensor;
        const { normal, root } = batchStatistics(saved[0]!, axes, epsilon);
        const mean = (t: tf.Tensor) => tf.mean(t, axes, true);
        return tf.div(tf.sub(tf.sub(g, mean(g)), tf.mul(normal, mean(tf.mul(g, normal)))), root);
      },
    };
  });
  return op(z) as tf.Tensor;
}

// ---------------------------------------------------------------------------
// The dense layer's product a·b, its adjoints again plain products of explicitly transposed operands.

/** a·b, differentiable in its varying operands: ā = h·bᵀ, b̄ = aᵀ·h. */
function product(a: tf.Tensor2D, b: tf.Tensor2D, aVaries: boolean, bVaries: boolean): tf.Tensor2D {
  if (!aVaries && !bVaries) return tf.matMul(a, b);
  const op = tf.customGrad((...args: unknown[]) => {
    (args[args.length - 1] as tf.GradSaveFunc)([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const h = dy as tf.Tensor2D;
        const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
        const grads: tf.Tensor[] = [];
        if (aVaries) grads.push(product(h, tf.transpose(sb), true, bVaries));
        if (bVaries) grads.push(product(tf.transpose(sa), h, aVaries, true));
        return grads;
      },
    };
  });
  return op(...[aVaries ? [a] : [], bVaries ? [b] : []].flat()) as tf.Tensor2D;
}

// ---------------------------------------------------------------------------
// The bias, added along the last axis: tfjs's own Sum gradient would build a ones array of the summed
// shape in JS on every second backprop (0.9e6 entries per HVP of the tensor-v2 bench's 1×28×28 net).

function sumToLast(g: tf.Tensor): tf.Tensor1D {
  const shape = g.shape;
  const op = tf.customGrad((x) => ({
    value: tf.sum(x as tf.Tensor, shape.slice(0, -1).map((_, i) => i)) as tf.Tensor1D,
    gradFunc: (h) => broadcastLast(h as tf.Tensor1D, shape),
  }));
  return op(g) as tf.Tensor1D;
}

function broadcastLast(b: tf.Tensor1D, shape: number[]): tf.Tensor {
  // Added to zeros: tf.broadcastTo's Tile kernel is slow on wasm (tens of ms for 1e6 entries, measured).
  const op = tf.customGrad((x) => ({ value: tf.add(tf.fill(shape, 0), x as tf.Tensor1D), gradFunc: (dy) => sumToLast(dy as tf.Tensor) }));
  return op(b) as tf.Tensor;
}

/** z + b along z's last axis (both varying). */
function addBias(z: tf.Tensor, b: tf.Tensor1D): tf.Tensor {
  const op = tf.customGrad((x, y) => ({
    value: tf.add(x as tf.Tensor, y as tf.Tensor),
    gradFunc: (dy) => [tf.reshape(dy as tf.Tensor, z.shape), sumToLast(dy as tf.Tensor)],
  }));
  return op(z, b) as tf.Tensor;
}

/** Every op twice differentiable: double backprop through them is right. */
export const TWICE_DIFFERENTIABLE_V2: OpsV2 = { ...TWICE_DIFFERENTIABLE, conv2d: conv2dValid, maxPool: maxPool2d, avgPool: avgPool2d };

// ---------------------------------------------------------------------------
// The forward pass.

/** A batch in NHWC (or [N, n]), and whether it depends on θ. */
interface Value {
  x: tf.Tensor;
  varies: boolean;
}

interface Pass {
  blocks: tf.Tensor1D[];
  next: number;
  ops: OpsV2;
}

const take = (pass: Pass): tf.Tensor1D => pass.blocks[pass.next++]!;

function layerForward(pass: Pass, layer: LayerV2<number>, { x, varies }: Value): Value {
  const { ops } = pass;
  switch (layer.type) {
    case 'dense': {
      const w = tf.reshape(take(pass), [layer.outputs, layer.inputs]) as tf.Tensor2D;
      let z: tf.Tensor = product(x as tf.Tensor2D, tf.transpose(w), varies, true);
      if (layer.bias) z = addBias(z, take(pass));
      return { x: z, varies: true };
    }
    case 'conv2d': {
      const w = tf.transpose(tf.reshape(take(pass), [layer.outChannels, layer.inChannels, layer.kernelHeight, layer.kernelWidth]), [2, 3, 1, 0]) as tf.Tensor4D;
      const p = layer.padding;
      const padded = p > 0 ? tf.pad(x as tf.Tensor4D, [[0, 0], [p, p], [p, p], [0, 0]]) : (x as tf.Tensor4D);
      let z: tf.Tensor = ops.conv2d(padded, w, layer.stride, varies);
      if (layer.bias) z = addBias(z, take(pass));
      return { x: z, varies: true };
    }
    case 'maxpool2d':
      return { x: ops.maxPool(x as tf.Tensor4D, layer.size, layer.stride), varies };
    case 'avgpool2d':
      return { x: ops.avgPool(x as tf.Tensor4D, layer.size, layer.stride), varies };
    case 'flatten':
      return x.rank === 4 ? { x: tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [x.shape[0]!, -1]), varies } : { x, varies };
    case 'batchnorm': {
      const gamma = take(pass);
      const beta = take(pass);
      const axes = x.rank === 4 ? [0, 1, 2] : [0];
      let normal: tf.Tensor;
      if (layer.mode === 'eval') {
        const root = tf.sqrt(tf.add(tf.tensor1d(layer.runningVariance, 'float32'), tf.tensor1d(layer.epsilon, 'float32')));
        normal = tf.div(tf.sub(x, tf.tensor1d(layer.runningMean, 'float32')), root);
      } else {
        normal = batchNormalize(x, axes, layer.epsilon);
      }
      return { x: tf.add(tf.mul(gamma, normal), beta), varies: true };
    }
    case 'activation':
      return { x: activateTensor(x, layer.activation, layer.slope, ops), varies };
    case 'residual': {
      const body = sequenceForward(pass, layer.body, { x, varies });
      const skip = layer.skip ? layerForward(pass, layer.skip, { x, varies }) : { x, varies };
      return { x: tf.add(body.x, skip.x), varies: body.varies || skip.varies };
    }
  }
}

function sequenceForward(pass: Pass, layers: readonly LayerV2<number>[], input: Value): Value {
  return layers.reduce((value, layer) => layerForward(pass, layer, value), input);
}

/** f_θ(X) (samples × outputs) for θ laid out as `net`'s parameters and inputs as inputTensor gives them. */
export function forwardTensorV2(net: NetworkV2<number>, theta: tf.Tensor1D, inputs: tf.Tensor, ops: OpsV2 = TWICE_DIFFERENTIABLE_V2): tf.Tensor2D {
  return tf.tidy(() => {
    // One split into every block: its gradient is a single concat (per-block slices would each pad to θ's size).
    const sizes = parameterBlocks(net.layers).map((b) => b.length);
    const blocks = sizes.length === 0 ? [] : sizes.length === 1 ? [theta] : (tf.split(theta, sizes) as tf.Tensor1D[]);
    const pass: Pass = { blocks, next: 0, ops };
    return sequenceForward(pass, net.layers, { x: inputs, varies: false }).x as tf.Tensor2D;
  });
}

/** Samples (flat C·H·W) as the batch tensor the forward pass reads: [N, H, W, C] or [N, n]. */
export function inputTensor(net: NetworkV2<unknown>, inputs: readonly (readonly number[])[]): tf.Tensor {
  const n = size(net.inputShape);
  inputs.forEach((row, s) => {
    if (row.length !== n) throw new InputError(`inputs[${s}]`, `${row.length} numbers`, `${n} numbers (input shape [${net.inputShape.join(', ')}], flattened C·H·W)`);
  });
  // One Float32Array: tf.tensor2d on nested arrays flattens and converts them entry by entry.
  const values = new Float32Array(inputs.length * n);
  inputs.forEach((row, s) => values.set(row, s * n));
  return tf.tidy(() => {
    const flat = tf.tensor2d(values, [inputs.length, n], 'float32');
    if (net.inputShape.length !== 3) return flat;
    const [C, H, W] = net.inputShape as [number, number, number];
    return tf.transpose(tf.reshape(flat, [inputs.length, C, H, W]), [0, 2, 3, 1]);
  });
}

/** Data as tensors: the batch, and mse targets or one-hot cross-entropy labels. */
interface TensorDataV2 {
  loss: Dataset<number>['loss'];
  inputs: tf.Tensor;
  targets: tf.Tensor2D;
}

/** L(θ) as a scalar tensor: mse (mean over samples and outputs) or mean cross-entropy. */
function lossOfOutputs(out: tf.Tensor2D, data: TensorDataV2, ops: SmoothOps): tf.Scalar {
  if (data.loss === 'mse') return tf.mean(tf.square(tf.sub(out, data.targets)));
  return tf.mean(tf.sub(ops.logSumExp(out), tf.sum(tf.mul(data.targets, out), 1)));
}

/** A v2 network and data held as tensors, for repeated derivative calls; dispose() when done. */
export class TensorProblemV2 extends TensorProblemBase {
  private readonly data: TensorDataV2;

  constructor(
    readonly net: NetworkV2<number>,
    data: Dataset<number>,
    private readonly ops: OpsV2 = TWICE_DIFFERENTIABLE_V2,
  ) {
    checkCompatibleV2(net, data);
    const outputs = outputShape(net)[0]!;
    const inputs = inputTensor(net, data.inputs);
    const targets = tf.tidy(() =>
      data.loss === 'mse' ? tf.tensor2d(data.targets, [data.targets.length, outputs], 'float32') : (tf.oneHot(tf.tensor1d(data.targets, 'int32'), outputs).toFloat() as tf.Tensor2D),
    );
    super(tf.tensor1d(flattenV2(net), 'float32'), [inputs, targets]);
    this.data = { loss: data.loss, inputs, targets };
  }

  /** f_θ(X), samples × outputs (the caller disposes it, or runs inside tf.tidy). */
  forwardTensor(theta: tf.Tensor1D = this.theta): tf.Tensor2D {
    return forwardTensorV2(this.net, theta, this.data.inputs, this.ops);
  }

  /** L(θ) as a differentiable scalar tensor (the caller disposes it, or runs inside tf.tidy). */
  lossTensor(theta: tf.Tensor1D = this.theta): tf.Scalar {
    return tf.tidy(() => lossOfOutputs(this.forwardTensor(theta), this.data, this.ops));
  }

  /** The outputs as numbers, one row per sample. */
  forward(theta: tf.Tensor1D = this.theta): number[][] {
    const out = this.forwardTensor(theta);
    try {
      return out.arraySync();
    } finally {
      out.dispose();
    }
  }
}
