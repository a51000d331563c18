/** The loss oracles of the sharpness maximiser: the float64 analytic engine and TensorFlow.js. */
import { float64Field } from '../field/float64.js';
import { loss } from '../network/forward.js';
import { unflatten } from '../network/flat.js';
import type { Dataset, Network } from '../network/types.js';
import { lossGradient } from '../autodiff/derivatives.js';
import { withThetaTensor, type TensorProblemBase } from '../tensor/derivatives.js';
import type { LossOracle } from './maximiser.js';

/** The float64 analytic engine as a loss oracle. */
export function float64Oracle(net: Network<number>, data: Dataset<number>): LossOracle {
  return {
    loss: (theta) => loss(float64Field, unflatten(net, theta), data),
    gradient: (theta) => lossGradient(float64Field, unflatten(net, theta), data),
  };
}

/** The TensorFlow.js engine (float32) as a loss oracle: TensorProblem or TensorProblemV2. */
export function tensorOracle(problem: TensorProblemBase): LossOracle {
  return {
    loss: (theta) => withThetaTensor(theta, (t) => problem.loss(t)),
    gradient: (theta) => withThetaTensor(theta, (t) => problem.gradient(t)),
  };
}
