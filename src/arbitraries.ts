/**
 * fast-check generators for users' own properties (`import … from 'flatcheck/arbitraries'`), named
 * one by one: random networks, datasets and symmetries that reach the interesting cases (kinks,
 * wide scale ranges, exact rationals), and how to fit them together.
 */
export {
  /** Options of networkArbitrary: depth, widths, activations, bias, rational or dyadic weights. */
  type NetworkArbitraryOptions,
  /** Random networks (flatcheck.network/v1 objects), shrinking toward small ones. */
  networkArbitrary,
} from './arbitraries/network.js';
export {
  /** Options of networkV2Arbitrary: architectures, stages, widths, input sizes, activations, batch norm, biases, pools, a parameter cap. */
  type NetworkV2ArbitraryOptions,
  /** Small flatcheck.network/v2 networks (mlp, cnn, resnet) with dyadic numbers, shrinking toward one small stage. */
  networkV2Arbitrary,
  /** A v2 network's architecture alone: architecture, input shape, stages, outputs, activation. */
  type ArchitectureV2,
  /** One stage of an ArchitectureV2: width, kernel, stride, padding, pool, batch norm, skip, bias. */
  type StagePlan,
  /** Random v2 architectures. */
  architectureArbitrary,
  /** An architecture with pools of values for its numbers; fitNetworkV2 builds the network. */
  type RawNetworkV2,
  /** Random raw v2 networks. */
  rawNetworkV2Arbitrary,
  /** The network a raw v2 network describes (what no longer fits clamped). */
  fitNetworkV2,
  /** A v2 dataset drawn before the network is known; fitDatasetV2 cuts it to the network. */
  type RawDatasetV2,
  /** Random raw v2 datasets. */
  rawDatasetV2Arbitrary,
  /** A raw v2 dataset cut to a network's input and output sizes. */
  fitDatasetV2,
  /** A v2 network and a dataset for it. */
  type NetworkV2AndData,
  /** Random v2 networks with datasets. */
  networkV2AndDataArbitrary,
  /** What a v2 network is made of (layer types, skips, strides, paddings, pools, batch norms), for fc.statistics. */
  featuresOfNetworkV2,
} from './arbitraries/network-v2.js';
export {
  /** A dataset drawn before the network is known; fitDataset cuts it to the network's shape. */
  type RawDataset,
  /** Options of rawDatasetArbitrary: sample counts, rational or dyadic values. */
  type DatasetArbitraryOptions,
  /** Random raw datasets. */
  rawDatasetArbitrary,
  /** A raw dataset cut to a network's input and output sizes. */
  fitDataset,
} from './arbitraries/dataset.js';
export {
  /** A symmetry drawn before the network is known; fitSymmetry fits it to a shape. */
  type RawSymmetry,
  /** Options of rawSymmetryArbitrary: kinds, exact or float scales, their range, compositions. */
  type SymmetryArbitraryOptions,
  /** Random raw symmetries (layer-scale, neuron-scale, permutation, and compositions). */
  rawSymmetryArbitrary,
  /** A raw symmetry fitted to a network shape. */
  fitSymmetry,
  /** The kinds a (composed) symmetry is made of. */
  kindsOf,
} from './arbitraries/symmetry.js';
export {
  /** A network, dataset and symmetry in a field, with the transformed network. */
  type SymmetryCase,
  /** A raw network, dataset and symmetry as a case in a field. */
  symmetryCase,
  /** Runs f, discarding the case (fc.pre) when it sits exactly on a ReLU kink. */
  offKinks,
} from './arbitraries/cases.js';
export {
  /** A network and a dataset for it. */
  type NetworkAndData,
  /** A teacher and the dataset it labels: θ_teacher is an exact global minimum of the mse loss. */
  teacherStudentArbitrary,
  /** A random network at a random (generally non-critical) point, with random mse targets. */
  randomPointArbitrary,
  /** A seeded teacher and its dataset, without fast-check. */
  seededMinimum,
} from './arbitraries/minima.js';
export {
  /** Exact rationals p/q, shrinking toward 0 and small denominators. */
  rational,
  /** Dyadic floats n/4096: exact in float32 and float64. */
  dyadic,
  /** Positive exact scales (p/q)·2^e, over many orders of magnitude; shrinks toward 1. */
  exactScale,
  /** Positive float scales, log-uniform over many orders of magnitude. */
  logUniformScale,
} from './arbitraries/scalars.js';
