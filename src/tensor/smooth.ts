/**
 * Smooth functions whose TensorFlow.js gradients can themselves be
 * differentiated: exp, tanh, sigmoid, softplus and log-sum-exp.
 *
 * tfjs's own gradients of exp, tanh and sigmoid are written in terms of the
 * op's saved *output*. The engine records the copy of that output on the tape
 * before the op that produced it, so a second tf.grad does not see that the
 * saved output depends on the input: the term y″ of the second derivative is
 * dropped (d²/dx² x·eˣ at 0.5 comes out 3.297, not 4.122; tanh″ is lost
 * entirely). Its logSumExp goes through max, whose gradient has no gradient.
 * Each function here saves its *input* and recomputes the derivative from it
 * with ops whose first derivatives tfjs gets right, so double backprop
 * (Hessian-vector products) is correct. Third derivatives are not promised.
 */
import { tf } from './backend.js';

type Unary = (x: tf.Tensor) => tf.Tensor;

/** A unary op with value f(x) and gradient dy·f′(x), f′ recomputed from the saved input. */
function twiceDifferentiable(value: Unary, derivative: Unary): Unary {
  const op = tf.customGrad((x, save) => {
    (save as tf.GradSaveFunc)([x as tf.Tensor]);
    return { value: value(x as tf.Tensor), gradFunc: (dy, saved) => tf.mul(dy, derivative(saved[0]!)) };
  });
  return (x) => op(x) as tf.Tensor;
}

/** eˣ. */
export const exp: Unary = twiceDifferentiable(tf.exp, tf.exp);

/** tanh x, with tanh′ = 1 − tanh². */
export const tanh: Unary = twiceDifferentiable(tf.tanh, (x) => tf.sub(1, tf.square(tf.tanh(x))));

/** σ(x) = 1/(1 + e^−x), with σ′ = σ(1 − σ). */
export const sigmoid: Unary = twiceDifferentiable(tf.sigmoid, (x) => {
  const s = tf.sigmoid(x);
  return tf.mul(s, tf.sub(1, s));
});

/** log(1 + eˣ), with derivative σ(x) (tfjs's own softplus gradient is already right; this one is twice-differentiable by construction). */
export const softplus: Unary = twiceDifferentiable(tf.softplus, sigmoid);

/**
 * log Σ_j e^{x_ij} along the last axis of a matrix (one value per row), with
 * gradient softmax(x). The row maximum only steadies the arithmetic: it is
 * computed on a detached copy, so it adds nothing to any derivative.
 */
export function logSumExp(x: tf.Tensor2D): tf.Tensor1D {
  const op = tf.customGrad((input, save) => {
    const z = input as tf.Tensor2D;
    (save as tf.GradSaveFunc)([z]);
    return {
      value: tf.logSumExp(z, 1),
      gradFunc: (dy, saved) => tf.mul(tf.expandDims(dy, 1), softmaxRows(saved[0] as tf.Tensor2D)),
    };
  });
  return op(x) as tf.Tensor1D;
}

/** softmax along rows as exp(x − m) / Σ exp(x − m), m the detached row maximum. */
function softmaxRows(x: tf.Tensor2D): tf.Tensor2D {
  const m = detach(tf.max(x, 1, true));
  const w = exp(tf.sub(x, m));
  return tf.div(w, tf.sum(w, 1, true)) as tf.Tensor2D;
}

/** The same values with a zero gradient (tfjs has no stopGradient). */
const detach = (() => {
  const op = tf.customGrad((x) => ({ value: tf.clone(x as tf.Tensor), gradFunc: (dy) => tf.zerosLike(dy) }));
  return <T extends tf.Tensor>(x: T): T => op(x) as T;
})();
