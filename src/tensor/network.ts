/**
 * Float32 forward pass and loss in TensorFlow.js, as functions of the flat θ
 * tensor so that later autodiff (gradients, Hessian-vector products) is a
 * matter of tf.grad. Every function here is tidy: it leaks no tensors.
 */
import { tf } from './backend.js';
import * as smooth from './smooth.js';
import { flatten } from '../network/flat.js';
import type { ActivationName, Dataset, Network } from '../network/types.js';
import { checkCompatible } from '../network/json.js';

export function thetaTensor(net: Network<number>): tf.Tensor1D {
  return tf.tensor1d(flatten(net), 'float32');
}

/** The smooth ops a forward pass uses; a different set (tfjs's own) only to show what it would break. */
export interface SmoothOps {
  tanh(x: tf.Tensor): tf.Tensor;
  softplus(x: tf.Tensor): tf.Tensor;
  logSumExp(x: tf.Tensor2D): tf.Tensor1D;
}

/** Twice-differentiable (smooth.ts): double backprop through them is right. */
export const TWICE_DIFFERENTIABLE: SmoothOps = { tanh: smooth.tanh, softplus: smooth.softplus, logSumExp: smooth.logSumExp };

/** φ(z) elementwise, for the MLP engine and the v2 one. */
export function activateTensor<T extends tf.Tensor>(z: T, activation: ActivationName, slope: number | undefined, ops: SmoothOps): T {
  switch (activation) {
    case 'relu': return tf.relu(z);
    // relu(z) − s·relu(−z): tf.leakyRelu's gradient has no gradient of its own (no double backprop).
    case 'leaky-relu': return tf.sub(tf.relu(z), tf.mul(slope ?? 0, tf.relu(tf.neg(z))));
    case 'abs': return tf.abs(z);
    case 'linear': return z;
    case 'tanh': return ops.tanh(z) as T;
    case 'softplus': return ops.softplus(z) as T;
  }
}

/** f_θ(X) for θ laid out as `template`'s parameters (samples × outputs). */
export function forwardTensor(template: Network<number>, theta: tf.Tensor1D, inputs: tf.Tensor2D, ops: SmoothOps = TWICE_DIFFERENTIABLE): tf.Tensor2D {
  return tf.tidy(() => {
    // One split into every layer's blocks: its gradient is a single concat (per-block slices would each pad to θ's size).
    const sizes: number[] = [];
    let fanIn = template.inputSize;
    for (const layer of template.layers) {
      sizes.push(layer.weights.length * fanIn);
      if (layer.bias) sizes.push(layer.weights.length);
      fanIn = layer.weights.length;
    }
    const blocks = sizes.length === 1 ? [theta] : tf.split(theta, sizes);
    let next = 0;
    let a = inputs;
    fanIn = template.inputSize;
    for (const layer of template.layers) {
      const out = layer.weights.length;
      const w = blocks[next++]!.reshape([out, fanIn]) as tf.Tensor2D;
      let z: tf.Tensor2D = tf.matMul(a, w, false, true);
      if (layer.bias) z = tf.add(z, blocks[next++]!) as tf.Tensor2D;
      a = activateTensor(z, layer.activation, layer.slope, ops);
      fanIn = out;
    }
    return a;
  });
}

/** Data as tensors: inputs, and mse targets or one-hot cross-entropy labels. */
export interface TensorData {
  loss: Dataset<number>['loss'];
  inputs: tf.Tensor2D;
  targets: tf.Tensor2D;
}

export function datasetTensors(net: Network<number>, data: Dataset<number>): TensorData {
  checkCompatible(net, data);
  const outputs = net.layers[net.layers.length - 1]!.weights.length;
  return tf.tidy(() => ({
    loss: data.loss,
    inputs: tf.tensor2d(data.inputs, undefined, 'float32'),
    targets: data.loss === 'mse'
      ? tf.tensor2d(data.targets, undefined, 'float32')
      : (tf.oneHot(tf.tensor1d(data.targets, 'int32'), outputs).toFloat() as tf.Tensor2D),
  }));
}

export function disposeData(data: TensorData): void {
  tf.dispose([data.inputs, data.targets]);
}

/** L(θ) as a scalar tensor: mse (mean over samples and outputs) or mean cross-entropy. */
export function lossTensor(template: Network<number>, theta: tf.Tensor1D, data: TensorData, ops: SmoothOps = TWICE_DIFFERENTIABLE): tf.Scalar {
  return tf.tidy(() => {
    const out = forwardTensor(template, theta, data.inputs, ops);
    if (data.loss === 'mse') return tf.mean(tf.square(tf.sub(out, data.targets)));
    const perSample = tf.sub(ops.logSumExp(out), tf.sum(tf.mul(data.targets, out), 1));
    return tf.mean(perSample);
  });
}

/** Outputs and loss as plain numbers, leaving no tensors behind. */
export function tensorForward(net: Network<number>, data: Dataset<number>): { outputs: number[][]; loss: number } {
  const tensors = datasetTensors(net, data);
  try {
    return tf.tidy(() => {
      const theta = thetaTensor(net);
      const outputs = forwardTensor(net, theta, tensors.inputs).arraySync();
      const loss = lossTensor(net, theta, tensors).arraySync();
      return { outputs, loss };
    });
  } finally {
    disposeData(tensors);
  }
}
