/**
 * flatcheck's public API (`import … from 'flatcheck'`), named one by one. Importing it has no side
 * effects: TensorFlow.js starts only when `initTensorBackend` (or a metric context) asks for it.
 * The fast-check generators are in `flatcheck/arbitraries`, the vitest matchers in `flatcheck/vitest`.
 */

// Number fields: the same network code in exact rationals, float64 and bignumber.
export {
  /** A number field: the arithmetic a network, its loss and its derivatives are computed in. */
  type Field,
  /** The name of a built-in field: 'rational', 'float64' or 'bignumber'. */
  type FieldName,
  /** The built-in fields' names. */
  FIELD_NAMES,
  /** A scalar as files and callers give it: a number (the decimal it spells) or an exact Fraction. */
  type Scalar,
} from './field/field.js';
export {
  /** Exact rationals (fraction.js, which is mathjs's Fraction): the proof engine, no rounding. */
  rationalField,
  /** "p/q", "-3", "0.25" as an exact Fraction; undefined for anything else. */
  parseRational,
  /** A scalar as an exact Fraction (a number as the exact rational its double denotes). */
  toFraction,
  /** The exact rational value of a finite double. */
  exactFraction,
  /** The nearest double to a Fraction. */
  fractionToNumber,
  /** Whether a value is a Fraction. */
  isFraction,
} from './field/rational.js';
export {
  /** IEEE double arithmetic, with its unit roundoff for error bounds. */
  float64Field,
} from './field/float64.js';
export {
  /** Exact like rationalField, faster: terminating decimals m·2^a·5^b on BigInt, Fractions only past other divisions. */
  terminatingField,
  /** A terminatingField value: a Terminating or a Fraction. */
  type ExactValue,
  /** A terminatingField value as a Fraction. */
  exactValueToFraction,
} from './field/terminating.js';
export {
  /** Dual numbers over a field (forward-mode derivatives): second derivatives of smooth networks. */
  dualField,
  /** A dual number: a value and its tangent (the derivative along one direction). */
  type Dual,
} from './field/dual.js';
export {
  /** decimal.js at 64 significant digits: a rounded field with exp, log and tanh. */
  bigNumberField,
  /** A bignumber field at a chosen number of significant digits. */
  makeBigNumberField,
} from './field/bignumber.js';
export {
  /** The built-in field of that name. */
  fieldByName,
} from './field/index.js';
export {
  /** A seeded random generator: the same seed draws the same numbers. */
  Rng,
} from './field/random.js';
export {
  /** Bad input: names the field or option, the value given and what was expected. */
  InputError,
  /** A pre-activation exactly 0 (a ReLU kink), where derivatives are undefined: names sample, layer and unit. */
  KinkError,
} from './field/errors.js';

// Networks and datasets: types, flatcheck.network/v1 and flatcheck.dataset/v1 files, forward passes.
export {
  /** A network over a field: input size and its layers. */
  type Network,
  /** One dense layer: weights (output × input), optional bias, activation. */
  type Layer,
  /** Inputs, targets and loss over a field. */
  type Dataset,
  /** A network as read from a file, with scalars not yet in a field. */
  type ScalarNetwork,
  /** A dataset as read from a file, with scalars not yet in a field. */
  type ScalarDataset,
  /** Layer widths and activations, without the numbers. */
  type NetworkShape,
  /** An activation function's name. */
  type ActivationName,
  /** A loss's name: 'mse' or 'cross-entropy'. */
  type LossName,
  /** The activations a layer may have. */
  ACTIVATIONS,
  /** The losses a dataset may have. */
  LOSSES,
  /** A network's shape. */
  shapeOf,
} from './network/types.js';
export {
  /** A flatcheck.network/v1 object, validated: errors name the field and the value. */
  parseNetwork,
  /** A flatcheck.dataset/v1 object, validated. */
  parseDataset,
  /** Throws unless the dataset's input and target sizes fit the network. */
  checkCompatible,
  /** A network as flatcheck.network/v1 (exact values as "p/q" strings). */
  networkToJson,
  /** A dataset as flatcheck.dataset/v1. */
  datasetToJson,
  /** The format tag of network files. */
  NETWORK_FORMAT,
  /** The format tag of dataset files. */
  DATASET_FORMAT,
} from './network/json.js';
export {
  /** A parsed network's scalars in a field. */
  networkIn,
  /** A parsed dataset's scalars in a field. */
  datasetIn,
} from './network/index.js';
export {
  /** The network's outputs on each input. */
  forward,
  /** The dataset's loss at the network. */
  loss,
  /** Whether two networks give identical outputs on the inputs (exactly, in an exact field). */
  sameOutputs,
} from './network/forward.js';
export {
  /** θ: the parameters in flatcheck's flat order (layer by layer, W row-major, then b). */
  flatten,
  /** A network of the same shape with parameters θ. */
  unflatten,
  /** The number of parameters of a shape. */
  parameterCount,
} from './network/flat.js';
export {
  /** The shape of a random network. */
  type NetworkSpec,
  /** A seeded random network. */
  randomNetwork,
  /** A seeded random dataset. */
  randomDataset,
  /** A seeded random v2 network: an mlp, cnn or resnet of the given stages. */
  randomNetworkV2,
  /** Its spec. */
  type NetworkV2Spec,
  /** The architectures the battery draws: 'mlp', 'cnn', 'resnet'. */
  ARCHITECTURES,
  /** One of them. */
  type ArchitectureName,
} from './network/random.js';
export {
  /** A bound on the float error of a forward pass, for comparing float results with exact ones. */
  forwardErrorBound,
} from './network/bounds.js';

// Symmetries: the rescalings and permutations that leave a ReLU network's function unchanged.
export {
  /** A layer-scale, neuron-scale or permutation symmetry. */
  type Symmetry,
  /** A symmetry's kind. */
  type SymmetryKind,
  /** The symmetry kinds. */
  SYMMETRY_KINDS,
  /** A symmetry as a map on θ: each parameter multiplied by a factor and moved to an index. */
  type MonomialMap,
  /** The network transformed by a symmetry (validated first). */
  applySymmetry,
  /** Throws, naming the field, unless the symmetry fits the network. */
  validateSymmetry,
  /** The symmetry that undoes it. */
  inverseSymmetry,
  /** One line describing a symmetry. */
  describeSymmetry,
  /** A symmetry's map on θ, for a network shape. */
  symmetryMap,
  /** A map applied to θ. */
  applyMap,
  /** The gradient at the transformed θ, from the gradient at θ. */
  transformGradient,
  /** The Hessian at the transformed θ, from the Hessian at θ. */
  transformHessian,
} from './symmetry/index.js';

// Layered networks (flatcheck.network/v2): conv, pooling, flatten, batch norm, residual blocks.
export {
  /** A v2 network: typed layers over an input shape ([n] or [C, H, W]), parameters stored flat in θ order. */
  type NetworkV2,
  /** One v2 layer: dense, conv2d, maxpool2d, avgpool2d, flatten, batchnorm, activation or residual. */
  type LayerV2,
  /** A v1 MLP or a v2 network. */
  type AnyNetwork,
  /** The v1 MLP as a v2 network (same θ order). */
  fromV1,
  /** The v2 network as a v1 MLP, when it is one. */
  toV1,
  /** The shape after each layer; throws an InputError naming a layer that does not fit its input. */
  sequenceShapes,
  /** θ of a v2 network. */
  flattenV2,
  /** The v2 network with parameters θ. */
  unflattenV2,
  /** Its number of parameters. */
  parameterCountV2,
  /** A v2 network's numbers in a field. */
  networkV2In,
} from './network/v2.js';
export {
  /** A flatcheck.network/v1 or v2 object as a v2 network, validated: errors name the field's path and the value. */
  parseNetworkV2,
  /** A v2 network as a file: v1 when it is an MLP, v2 otherwise. */
  networkV2ToJson,
} from './network/json-v2.js';
export {
  /** Outputs of a v2 network for every sample, in any field (batched: train-mode batch norm couples the samples). */
  forwardV2,
  /** L(θ) of a v2 network. */
  lossV2,
} from './network/v2-forward.js';
export {
  /** ∇L(θ) of a v2 network by reverse mode, exact in an exact field. */
  lossGradientV2,
  /** H v of a v2 network by forward-over-reverse. */
  lossHessianVectorProductV2,
  /** ∇²L(θ) of a v2 network, one reverse pass carrying all P tangents. */
  lossHessianV2,
} from './autodiff/v2.js';
export {
  /** A family of symmetries: neuron-scale, permutation, sign-flip, batchnorm-scale, layer-scale, residual-scale, logit-shift. */
  type ArchitectureFamily,
  /** Every family. */
  ARCHITECTURE_FAMILIES,
  /** One symmetry of a v2 network. */
  type SymmetryV2,
  /** A family at its site, with its parameter space. */
  type FamilySite,
  /** The families a network has under a loss, each at its site. */
  symmetriesOf,
  /** An element of a listed family from raw numbers. */
  symmetryAt,
  /** Throws, naming why, unless the symmetry is one of this network's (exactly, in rationals). */
  validateSymmetryV2,
  /** The map of a symmetry on θ (monomial; affine for the logit shift) and on the network's state. */
  architectureMap,
  /** The network transformed by a symmetry. */
  applySymmetryV2,
  /** Valid layer-scale α from any positive proposals. */
  fitLayerScale,
  /** One line describing a v2 symmetry. */
  describeSymmetryV2,
} from './symmetry/architecture.js';

// Exact derivatives and their float error bounds.
export {
  /** ∇L(θ) in any field (closed form for MLPs). */
  lossGradient,
  /** ∇²L(θ) in any field (closed form for piecewise-linear MLPs, forward-over-reverse for tanh and softplus). */
  lossHessian,
  /** The diagonal of ∇²L(θ) alone, in O(N·O·P): no P × P matrix. */
  lossHessianDiagonal,
  /** H v in any field by forward-over-reverse (dual numbers), for every activation and loss. */
  lossHessianVectorProduct,
  /** The activations whose networks are piecewise linear in θ. */
  PIECEWISE_LINEAR,
} from './autodiff/derivatives.js';
export {
  /** A bound on the float error of lossGradient. */
  gradientErrorBound,
  /** A bound on the float error of lossHessian (any engine's, at its unit round-off). */
  hessianErrorBound,
} from './autodiff/bounds.js';
export {
  /** Loss, gradient and Hessian-vector products on Float64Array (backprop and the R-operator), O(N·P) each. */
  Float64Problem,
} from './autodiff/typed.js';

// Reparametrisations θ = g(η), and the Hessian in η.
export {
  /** An invertible map η ↦ θ with its Jacobian and second derivatives. */
  type Reparametrisation,
  /** An affine map θ = Mη + c. */
  affine,
  /** θᵢ = ηᵢ + κᵢηᵢ³. */
  elementwiseCubic,
  /** θᵢ = sinh(ηᵢ). */
  elementwiseSinh,
  /** θᵢ = sᵢ·exp(ηᵢ). */
  signedExp,
  /** A radial map about a centre. */
  radial,
  /** The composition outer ∘ inner. */
  compose,
  /** The paper's Figure 5 map. */
  figure5,
  /** ∇²_η L(g(η)) from the Hessian (and gradient) in θ. */
  hessianInEta,
  /** A network whose first layer absorbs an input map x ↦ Ax + c. */
  absorbInputMap,
  /** Weight normalisation of each row. */
  weightNormRows,
  /** The Jacobian of weight normalisation. */
  weightNormJacobian,
} from './reparam/index.js';

// The TensorFlow.js engine (float32), for larger networks and tensor metrics.
export {
  /** A TensorFlow.js backend's name. */
  type BackendName,
  /** Starts TensorFlow.js (tfjs-node if installed, else wasm, else cpu); later calls return the same. */
  initTensorBackend,
} from './tensor/backend.js';
export {
  /** Loss, gradient, Hessian-vector products and Hessian of a network on a dataset, in TensorFlow.js. */
  TensorProblem,
  /** The dense Hessian in TensorFlow.js. */
  tensorHessian,
} from './tensor/derivatives.js';
export {
  /** Outputs, loss, gradient, Hessian-vector products and Hessian of a v2 network on a dataset, in TensorFlow.js. */
  TensorProblemV2,
} from './tensor/v2.js';
export {
  /** Outputs and loss in TensorFlow.js, read back as numbers. */
  tensorForward,
  /** The smooth ops a tensor forward pass uses (tanh, softplus, log-sum-exp). */
  type SmoothOps,
  /** exp-based ops whose TensorFlow.js gradients can be differentiated again (tfjs's own lose terms). */
  TWICE_DIFFERENTIABLE,
} from './tensor/network.js';

// Curvature: Hessian norms, traces and spectra; witnesses that a symmetry makes them large.
export {
  /** A dense matrix over a field. */
  type Matrix,
  /** The trace of a square matrix, in its field. */
  trace,
  /** The squared Frobenius norm, exactly in an exact field. */
  frobeniusSquared,
  /** The numbers of positive, negative and zero eigenvalues, exactly. */
  inertia,
} from './linalg/exact.js';
export {
  /** The spectral norm of a symmetric matrix (Householder + QL eigenvalues). */
  spectralNorm,
  /** The eigenvalues of a symmetric matrix. */
  symmetricEigenvalues,
  /** Lanczos iteration on a Hessian-vector product, stopping on its residual bound. */
  lanczos,
  /** Lanczos's Ritz values, residual bound and whether it converged. */
  type LanczosResult,
  /** Power iteration on a Hessian-vector product. */
  powerIteration,
  /** Hutchinson's trace estimator. */
  hutchinson,
  /** The Frobenius norm from Hessian-vector products (Hutchinson on H²). */
  hutchinsonFrobenius,
  /** Hutch++ trace estimator. */
  hutchPlusPlus,
} from './curvature/spectral.js';
export {
  /** A layer-scale α and the entry it makes large. */
  type ScaleWitness,
  /** What certifyHessianWitness proved. */
  type HessianCertificate,
  /** A layer-scale α with a diagonal Hessian entry (hence the spectral norm) ≥ M. */
  findHessianWitness,
  /** The same from the Hessian's diagonal alone (lossHessianDiagonal), for trained-size networks. */
  findDiagonalWitness,
  /** Recomputes the Hessian's diagonal at T_α θ exactly and checks the witness, outputs unchanged. */
  certifyHessianWitness,
  /** A layer-scale α with a gradient entry ≥ M. */
  findGradientWitness,
  /** Checks a gradient witness exactly. */
  certifyGradientWitness,
} from './curvature/witness.js';

// ε-sharpness and flat volume.
export {
  /** The loss and gradient the maximiser climbs. */
  type LossOracle,
  /** A ball or Keskar's box (optionally in a random subspace) of radius ε. */
  type SharpnessRegion,
  /** The maximiser's value (a lower bound), argmax and effort. */
  type SharpnessResult,
  /** Restarts, steps and seed. */
  type MaximiserOptions,
  /** ε-sharpness, a lower bound backed by its argmax: projected gradient ascent with restarts. */
  maximiseSharpness,
  /** A seeded random subspace of dimension p. */
  randomSubspace,
} from './sharpness/maximiser.js';
export {
  /** The float64 engine as a loss oracle. */
  float64Oracle,
  /** The TensorFlow.js engine as a loss oracle. */
  tensorOracle,
} from './sharpness/index.js';
export {
  /** Re-checks a sharpness argmax exactly: feasible, and the loss there. */
  checkSharpnessClaim,
} from './sharpness/check.js';
export {
  /** A layer-scale α and a move of one output weight showing ε-sharpness ≥ M. */
  findSharpnessWitness,
  /** Checks a sharpness witness exactly. */
  certifySharpnessWitness,
} from './sharpness/witness.js';
export {
  /** Theorem 2's certificate for a one-hidden-layer network: a volume ≥ V where the loss is within ε of the minimum's. */
  flatVolumeCertificate,
  /** Checks a flat-volume certificate exactly. */
  checkFlatVolumeCertificate,
  /** The ε-flat log-volume estimate. */
  flatLogVolume,
} from './sharpness/volume.js';

// Flatness metrics: the contract, the registry and the conformance battery.
export {
  /** A flatness metric: an id, optional claims and evaluate(ctx). */
  type Metric,
  /** The symmetry families a metric claims to be invariant or unbounded under. */
  type MetricClaims,
  /** What evaluate(ctx) gets: network, dataset, θ, forward, loss, derivatives, a seeded random generator, tensors. */
  type MetricContext,
  /** The TensorFlow.js part of a metric context. */
  type TensorContext,
  /** A symmetry family: 'layer-scale', 'neuron-scale' or 'permutation'. */
  type Family,
  /** The families of MLPs (the battery's default). */
  FAMILIES,
  /** The families of MLPs. */
  MLP_FAMILIES,
  /** Identity: types a metric written as a plain object. */
  defineMetric,
  /** The context for one network and dataset (call dispose() when done). */
  metricContext,
} from './metrics/contract.js';
export {
  /** Families, case count, seed, time limit, progress. */
  type BatteryOptions,
  /** Each family's verdict and the claims' outcome. */
  type BatteryReport,
  /** One family's verdict, counterexample or unbounded path. */
  type FamilyReport,
  /** 'invariant', 'not-invariant', 'unbounded' or 'error'. */
  type Verdict,
  /** A shrunk counterexample to invariance, with its seed. */
  type Counterexample,
  /** The families the battery checks on each architecture. */
  FAMILIES_CHECKED,
  /** The conformance battery on a metric. */
  checkMetric,
} from './metrics/battery.js';
export {
  /** The default time limit of one evaluation, in milliseconds. */
  DEFAULT_TIME_LIMIT_MS,
} from './metrics/evaluate.js';
export {
  /** The registered reference metrics. */
  loadRegistry,
} from './metrics/registry.js';
export {
  /** A metric module's default export (.js, .mjs or .ts), checked. */
  loadMetricModule,
} from './metrics/load.js';
