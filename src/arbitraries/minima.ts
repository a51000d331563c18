/**
 * Exact minima by construction (teacher–student): the dataset's targets are
 * the teacher network's own outputs, computed exactly, so at the teacher's θ
 * the mse loss is 0 and its gradient is 0 — a global minimum, with no
 * training and no tolerance.
 */
import fc from 'fast-check';
import { rationalField } from '../field/rational.js';
import type { Scalar } from '../field/field.js';
import { forward } from '../network/forward.js';
import { networkIn } from '../network/index.js';
import { randomDataset, randomNetwork, type NetworkSpec } from '../network/random.js';
import { shapeOf, type ScalarDataset, type ScalarNetwork } from '../network/types.js';
import { fitDataset, rawDatasetArbitrary, type DatasetArbitraryOptions } from './dataset.js';
import { networkArbitrary, type NetworkArbitraryOptions } from './network.js';

export interface NetworkAndData {
  network: ScalarNetwork;
  dataset: ScalarDataset;
}

/** The mse dataset the teacher labels exactly (its own outputs): θ_teacher is a global minimum, L = 0, ∇L = 0. */
function labelledByTeacher(teacher: ScalarNetwork, inputs: Scalar[][]): NetworkAndData {
  const targets: Scalar[][] = forward(rationalField, networkIn(rationalField, teacher), inputs.map((r) => r.map((x) => rationalField.fromScalar(x))));
  return { network: teacher, dataset: { loss: 'mse', inputs, targets } };
}

/** A teacher and the dataset it labels: θ_teacher is an exact global minimum of the mse loss. */
export function teacherStudentArbitrary(network: NetworkArbitraryOptions = {}, data: DatasetArbitraryOptions = {}): fc.Arbitrary<NetworkAndData> {
  return fc.tuple(networkArbitrary({ ...network, weights: 'rational' }), rawDatasetArbitrary(data)).map(([teacher, raw]) => labelledByTeacher(teacher, fitDataset(raw, shapeOf(teacher)).inputs));
}

/** The same construction from one seed, without fast-check: a seeded teacher (dyadic weights) and `samples` dyadic Gaussian inputs. */
export function seededMinimum(spec: NetworkSpec, samples: number, seed: number): NetworkAndData {
  const teacher = randomNetwork(spec, seed);
  const { inputs } = randomDataset({ inputSize: spec.inputSize, outputSize: spec.outputSize, samples, loss: 'mse' }, seed + 1);
  return labelledByTeacher(teacher, inputs);
}

/** A random network at a random (generally non-critical) point, with random mse targets. */
export function randomPointArbitrary(network: NetworkArbitraryOptions = {}, data: DatasetArbitraryOptions = {}): fc.Arbitrary<NetworkAndData> {
  return fc.tuple(networkArbitrary(network), rawDatasetArbitrary(data)).map(([net, raw]) => ({ network: net, dataset: fitDataset(raw, shapeOf(net)) }));
}
