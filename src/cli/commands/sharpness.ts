/**
 * `flatcheck eval --metric ball-sharpness|keskar-sharpness` and
 * `flatcheck witness sharpness`. The maximiser's value is a lower bound
 * backed by its argmax; for piecewise-linear mse problems the argmax is
 * re-checked exactly in rationals and the proven value reported too.
 */
import { InputError, UsageError } from '../../field/errors.js';
import type { Scalar } from '../../field/field.js';
import { float64Field, fractionToNumber, rationalField as Q, toFraction } from '../../field/index.js';
import { datasetIn, flatten, loss, networkIn, type ScalarDataset, type ScalarNetwork } from '../../network/index.js';
import { flattenV2, networkV2In, unflattenV2, type NetworkV2 } from '../../network/v2.js';
import { lossV2 } from '../../network/v2-forward.js';
import { PIECEWISE_LINEAR, samplePasses } from '../../autodiff/derivatives.js';
import { lossGradientV2 } from '../../autodiff/v2.js';
import { applySymmetry } from '../../symmetry/index.js';
import { initTensorBackend, TensorProblem, TensorProblemV2 } from '../../tensor/index.js';
import {
  certifySharpnessWitness, checkSharpnessClaim, checkSharpnessClaimAt, findSharpnessWitness, float64Oracle, maximiseSharpness, randomSubspace, tensorOracle,
  type CheckedClaim, type ExactRegion, type LossOracle, type SharpnessRegion,
} from '../../sharpness/index.js';
import { optionalFlag, parseArgs, parseInteger, type ParsedArgs } from '../args.js';
import { assertFinite, assertNoKinkAsWritten, assertNoKinkAsWrittenV2, exactlyEvaluableV2, readNetworkAndData, writeNetworkFile } from '../io.js';
import { assertWritable } from '../../output/atomic.js';
import type { CommandResult } from '../command.js';
import { positiveScalar } from './transform.js';

const exactable = (net: ScalarNetwork, data: ScalarDataset) => data.loss === 'mse' && net.layers.every((l) => PIECEWISE_LINEAR.includes(l.activation));

/** What the maximiser and the exact checker need of a network, v1 or v2. */
interface Subject {
  theta: number[];
  /** L(θ) in float64. */
  loss(): number;
  /** A KinkError where ∇L is undefined: in the numbers as written, and where their doubles land. */
  assertDifferentiable(): void;
  oracle: LossOracle;
  /** The tfjs engine's problem (float32). */
  tensor: () => Promise<TensorProblem | TensorProblemV2>;
  /** The exact re-check of an argmax: piecewise-linear mse problems only. */
  check?: (region: ExactRegion, perturbation: readonly Scalar[]) => CheckedClaim;
}

function mlpSubject(raw: ScalarNetwork, rawData: ScalarDataset): Subject {
  const net = networkIn(float64Field, raw);
  const data = datasetIn(float64Field, rawData);
  return {
    theta: flatten(net),
    loss: () => loss(float64Field, net, data),
    assertDifferentiable: () => {
      assertNoKinkAsWritten(raw, rawData);
      samplePasses(float64Field, net, data.inputs);
    },
    oracle: float64Oracle(net, data),
    tensor: async () => (await initTensorBackend(), new TensorProblem(net, data)),
    ...(exactable(raw, rawData) ? { check: (region: ExactRegion, z: readonly Scalar[]) => checkSharpnessClaim(networkIn(Q, raw), datasetIn(Q, rawData), region, z) } : {}),
  };
}

function v2Subject(raw: NetworkV2<Scalar>, rawData: ScalarDataset): Subject {
  const F = float64Field;
  const net = networkV2In(F, raw);
  const data = datasetIn(F, rawData);
  const exactNet = networkV2In(Q, raw);
  const exactData = datasetIn(Q, rawData);
  return {
    theta: flattenV2(net),
    loss: () => lossV2(F, net, data),
    assertDifferentiable: () => {
      assertNoKinkAsWrittenV2(raw, rawData);
      lossGradientV2(F, net, data);
    },
    oracle: { loss: (theta) => lossV2(F, unflattenV2(net, theta), data), gradient: (theta) => lossGradientV2(F, unflattenV2(net, theta), data) },
    tensor: async () => (await initTensorBackend(), new TensorProblemV2(net, data)),
    ...(rawData.loss === 'mse' && exactlyEvaluableV2(raw, rawData)
      ? { check: (region: ExactRegion, z: readonly Scalar[]) => checkSharpnessClaimAt(flattenV2(exactNet), (theta) => lossV2(Q, unflattenV2(exactNet, theta), exactData), region, z) }
      : {}),
  };
}

export function sharpnessCommand(args: ParsedArgs, metric: 'ball-sharpness' | 'keskar-sharpness', engine: string, raw: ScalarNetwork, rawData: ScalarDataset): Promise<CommandResult> {
  return sharpnessOf(args, metric, engine, mlpSubject(raw, rawData));
}

/** A v2 network that is not an MLP (float64 or tfjs; --engine rational means float64 here too, with the exact re-check). */
export function sharpnessCommandV2(args: ParsedArgs, metric: 'ball-sharpness' | 'keskar-sharpness', engine: string, raw: NetworkV2<Scalar>, rawData: ScalarDataset): Promise<CommandResult> {
  return sharpnessOf(args, metric, engine, v2Subject(raw, rawData));
}

async function sharpnessOf(args: ParsedArgs, metric: 'ball-sharpness' | 'keskar-sharpness', engine: string, subject: Subject): Promise<CommandResult> {
  const epsilonScalar = positiveScalar(args, 'epsilon');
  const epsilon = float64Field.fromScalar(epsilonScalar);
  const subspace = optionalFlag(args, 'subspace');
  if (subspace !== undefined && metric !== 'keskar-sharpness') throw new UsageError('--subspace applies to keskar-sharpness only');
  const seed = parseInteger(optionalFlag(args, 'seed') ?? '0', '--seed');
  const { theta } = subject;
  let region: SharpnessRegion = { kind: 'ball', epsilon };
  if (metric === 'keskar-sharpness') {
    const p = subspace === undefined ? undefined : parseInteger(subspace, '--subspace');
    if (p !== undefined && (p < 1 || p > theta.length)) throw new InputError('--subspace', p, `a dimension between 1 and ${theta.length} (the parameter count)`);
    region = { kind: 'box', epsilon, ...(p !== undefined ? { subspace: randomSubspace(theta.length, p, seed) } : {}) };
  }
  subject.assertDifferentiable(); // a kink makes the gradient undefined: say so in every engine
  assertFinite([subject.loss()], '--engine', engine === 'rational' ? 'float64' : engine, 'the loss at θ'); // L(θ + δ) − L(θ) would be ∞ − ∞
  const problem = engine === 'tfjs' ? await subject.tensor() : undefined;
  let result;
  try {
    result = maximiseSharpness(problem ? tensorOracle(problem) : subject.oracle, theta, region, { seed });
  } finally {
    problem?.dispose();
  }
  assertFinite([result.value, ...result.z], '--engine', engine === 'rational' ? 'float64' : engine, 'the sharpness or its argmax');
  const exactRegion = region.kind === 'ball' ? { kind: 'ball' as const, epsilon: epsilonScalar } : { kind: 'box' as const, epsilon: epsilonScalar, ...(region.subspace ? { subspace: region.subspace } : {}) };
  const checked = subject.check?.(exactRegion, result.y ?? result.z);
  const out = {
    metric,
    engine: engine === 'rational' ? 'float64' : engine,
    epsilon,
    value: result.value,
    lowerBound: true,
    argmax: result.z,
    ...(result.y ? { subspaceArgmax: result.y } : {}),
    restarts: result.restarts,
    gradientEvaluations: result.gradientEvaluations,
    ...(checked ? { exact: { feasible: checked.feasible, value: checked.value.toFraction(), approx: fractionToNumber(checked.value) } } : {}),
  };
  if (args.flags.has('json')) return { stdout: JSON.stringify(out) };
  return { stdout: `${metric} (ε = ${epsilon}): ≥ ${result.value}${checked ? `, proven exactly: ≥ ${fractionToNumber(checked.value)} (${checked.feasible ? 'feasible' : 'INFEASIBLE'})` : ''} — a lower bound backed by its argmax (--json prints it)` };
}

export async function sharpnessWitnessCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['net', 'data', 'epsilon', 'bound', 'out'], ['json', 'box']);
  const { net: raw, data: rawData } = readNetworkAndData(args);
  if (!exactable(raw, rawData)) throw new InputError('--net', 'non-piecewise-linear or cross-entropy', 'a piecewise-linear network on an mse dataset (certificates are exact)');
  const epsilon = positiveScalar(args, 'epsilon');
  const M = toFraction(positiveScalar(args, 'bound'));
  const outPath = optionalFlag(args, 'out');
  if (outPath !== undefined) assertWritable(outPath, '--out', 'file');
  const net = networkIn(Q, raw);
  const data = datasetIn(Q, rawData) as Parameters<typeof findSharpnessWitness>[1];
  const w = findSharpnessWitness(net, data, epsilon, M);
  if (!w) {
    const reason = 'no witness: every last-hidden activation is zero on the data, so no output weight moves the output';
    return { stdout: args.flags.has('json') ? JSON.stringify({ witness: null, reason }) : reason, exitCode: 1 };
  }
  const cert = certifySharpnessWitness(net, data, epsilon, M, w);
  const claim = args.flags.has('box') ? cert.box : cert.ball;
  if (cert.holds && outPath) writeNetworkFile(outPath, applySymmetry(Q, net, { kind: 'layer-scale', alphas: w.alphas }));
  const result = {
    alphas: w.alphas.map((a) => a.toFraction()),
    delta: w.delta.map((d) => d.toFraction()),
    region: args.flags.has('box') ? 'keskar-box' : 'ball',
    increase: claim.increase.toFraction(),
    value: claim.value.toFraction(),
    approx: fractionToNumber(claim.value),
    certificate: { feasible: claim.feasible, outputsIdentical: cert.outputsIdentical, bound: M.toFraction(), holds: cert.holds },
    ...(outPath && cert.holds ? { out: outPath } : {}),
  };
  if (args.flags.has('json')) return { stdout: JSON.stringify(result), exitCode: cert.holds ? 0 : 1 };
  return { stdout: `α = [${result.alphas.join(', ')}], δ on θ[${w.index}] = ${w.delta[w.index]!.toFraction()}: ${result.region} ε-sharpness ≥ ${result.approx} (exact), outputs identical: ${cert.outputsIdentical}`, exitCode: cert.holds ? 0 : 1 };
}
