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
  /** Options of networkV2Arbitrary: architectures, stages, widths, sizes, activations, batch norm, pools. */
  type NetworkV2ArbitraryOptions,
  /** Random v2 networks (mlp, cnn, resnet) with dyadic weights, shrinking toward one small stage. */
  networkV2Arbitrary,
  /** A v2 network and a dataset for it. */
  networkV2AndDataArbitrary,
  /** A raw dataset drawn before the v2 network is known. */
  rawDatasetV2Arbitrary,
  /** A raw dataset cut to a v2 network. */
  fitDatasetV2,
  /** What a v2 network is made of, for fc.statistics. */
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
