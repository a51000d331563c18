/** `flatcheck eval`: one curvature metric of a network (flatcheck.network/v1 or v2) on a dataset, in an engine of choice. */
import { Fraction } from 'fraction.js';
import { InputError, UsageError } from '../../field/errors.js';
import type { Scalar } from '../../field/field.js';
import { float64Field, fractionToNumber } from '../../field/index.js';
import { chosenExactField, exactValueToFraction, type ExactValue } from '../../field/terminating.js';
import { datasetIn, loss, networkIn, parameterCount, shapeOf, type ScalarDataset, type ScalarNetwork } from '../../network/index.js';
import { networkV2In, parameterCountV2, type NetworkV2 } from '../../network/v2.js';
import { lossV2, recordV2 } from '../../network/v2-forward.js';
import { PIECEWISE_LINEAR, lossGradient, lossHessian, lossHessianDiagonal, samplePasses } from '../../autodiff/derivatives.js';
import { Float64Problem } from '../../autodiff/typed.js';
import { lossGradientV2, lossHessianV2, lossHessianVectorProductV2 } from '../../autodiff/v2.js';
import { denseTrace, frobeniusNorm, hutchinsonFrobenius, hutchPlusPlus, lanczos, spectralNorm, type Hvp } from '../../curvature/spectral.js';
import { choice, optionalFlag, parseArgs, requireFlag } from '../args.js';
import { assertExactlyEvaluable, assertExactlyEvaluableV2, assertFinite, assertNoKinkAsWritten, assertNoKinkAsWrittenV2, readNetworkAndDataV2 } from '../io.js';
import type { CommandResult } from '../command.js';

export const CURVATURE_METRICS = ['loss', 'gradient-norm', 'hessian-spectral-norm', 'hessian-trace', 'hessian-frobenius'] as const;
export const SHARPNESS_METRICS = ['ball-sharpness', 'keskar-sharpness'] as const;
export const EVAL_METRICS = [...CURVATURE_METRICS, ...SHARPNESS_METRICS] as const;
export const ENGINES = ['rational', 'float64', 'tfjs'] as const;
export const EVAL_USAGE = `flatcheck eval --net NET.json --data DATA.json --metric ${EVAL_METRICS.join('|')} [--engine rational|float64|tfjs] [--epsilon E [--subspace P] [--seed S]] [--json]   (NET: flatcheck.network/v1 or v2, every engine; tfjs: float32)`;

type Metric = (typeof CURVATURE_METRICS)[number];
type Engine = (typeof ENGINES)[number];

/** An exact value as "p/q" with its decimal approximation; a float value as a number. */
interface Value {
  value: string | number;
  approx?: number;
  /** For a norm in the rational engine: its exact square. */
  squared?: string;
  note?: string;
  /** How a float Hessian metric was computed: the dense Hessian, or from Hessian-vector products above DENSE_LIMIT parameters. */
  method?: 'dense' | 'diagonal' | 'lanczos' | 'hutch++' | 'hutchinson';
  standardError?: number;
  residual?: number;
  converged?: boolean;
  matvecs?: number;
}

/** An exact value; its decimal approximation only where float64 holds it (JSON has no Infinity). */
const exact = (q: Fraction): Value => {
  const approx = fractionToNumber(q);
  return { value: q.toFraction(), ...(Number.isFinite(approx) ? { approx } : {}) };
};
/** √q for an exact square q: scaled by 4^k exactly first, so no intermediate overflows or underflows where √q itself fits a double. */
const rootOf = (q: Fraction): Value => {
  const k = Math.trunc((q.n.toString(2).length - q.d.toString(2).length) / 2);
  const scaled = k >= 0 ? q.div(new Fraction(1n << BigInt(2 * k), 1n)) : q.mul(new Fraction(1n << BigInt(-2 * k), 1n));
  const value = Math.sqrt(fractionToNumber(scaled)) * 2 ** k;
  assertFinite([value], '--engine', 'rational', `the norm (its square, exact, is ${q.toFraction().slice(0, 40)}…)`);
  return { value, squared: q.toFraction() };
};

/** Above this many parameters the float engines use Hessian-vector products (Lanczos, Hutch++), never a dense Hessian. */
export const DENSE_LIMIT = 1000;
/** The exact dense Hessian (Frobenius norm, spectral norm) holds P² exact entries: refused above this. */
export const EXACT_DENSE_LIMIT = 1500;
/** Seed of the randomised estimators (Lanczos start, Hutch++ and Hutchinson probes): the output is reproducible. */
const ESTIMATOR_SEED = 1;

/** ‖v‖₂ without spreading v into Math.hypot's arguments (131 072 of them overflow the stack). */
function euclideanNorm(v: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < v.length; i++) scale = Math.max(scale, Math.abs(v[i]!));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i]! / scale) ** 2;
  return scale * Math.sqrt(sum);
}

/** A curvature metric from the dense float Hessian. */
function fromDense(metric: 'hessian-trace' | 'hessian-frobenius' | 'hessian-spectral-norm', H: number[][]): Value {
  return { value: metric === 'hessian-trace' ? denseTrace(H) : metric === 'hessian-frobenius' ? frobeniusNorm(H) : spectralNorm(H), method: 'dense' };
}

/** A curvature metric from Hessian-vector products only, with the method and its error estimate. */
function fromProducts(metric: 'hessian-trace' | 'hessian-frobenius' | 'hessian-spectral-norm', hvp: Hvp, P: number): Value {
  if (metric === 'hessian-spectral-norm') {
    const l = lanczos(hvp, P, { steps: 300, tolerance: 1e-10, seed: ESTIMATOR_SEED });
    return { value: Math.abs(l.values[0]!), method: 'lanczos', residual: l.residual, converged: l.converged, matvecs: l.matvecs, note: `|λ − value| ≤ residual for some eigenvalue λ of H (seed ${ESTIMATOR_SEED})` };
  }
  if (metric === 'hessian-trace') {
    const t = hutchPlusPlus(hvp, P, { budget: 300, seed: ESTIMATOR_SEED });
    return { value: t.estimate, method: 'hutch++', standardError: t.standardError, matvecs: t.matvecs, note: `an estimate (seed ${ESTIMATOR_SEED})` };
  }
  const f = hutchinsonFrobenius(hvp, P, { probes: 100, seed: ESTIMATOR_SEED });
  return { value: f.estimate, method: 'hutchinson', standardError: f.standardError, matvecs: f.matvecs, note: `an estimate of √E‖Hz‖² (seed ${ESTIMATOR_SEED})` };
}

/** The v1 engines, for an MLP (every v1 file). */
async function evalMlp(metric: Metric, engine: Engine, raw: ScalarNetwork, rawData: ScalarDataset): Promise<Value> {
  if (metric !== 'loss') assertNoKinkAsWritten(raw, rawData); // the same kink rule in every engine, on the numbers as written
  const P = parameterCount(shapeOf(raw));
  let result: Value;
  /** A float Hessian with an entry past the float range has no eigenvalues, trace or norm to report. */
  const finiteHessian = (H: number[][], what = 'an entry of the Hessian') => (assertFinite(H.flat(), '--engine', engine, what), H);
  if (engine === 'rational') {
    assertExactlyEvaluable(raw, rawData, '--engine', engine, 'use --engine float64 or tfjs');
    const E = chosenExactField();
    const net = networkIn(E, raw);
    const data = datasetIn(E, rawData);
    const sum = (xs: readonly ExactValue[]) => xs.reduce((s, x) => E.add(s, x), E.zero);
    if (metric === 'loss') result = exact(exactValueToFraction(loss(E, net, data)));
    else if (metric === 'gradient-norm') result = rootOf(exactValueToFraction(sum(lossGradient(E, net, data).map((g) => E.mul(g, g)))));
    // The trace needs the diagonal only: O(N·O·P), any size.
    else if (metric === 'hessian-trace') result = exact(exactValueToFraction(sum(lossHessianDiagonal(E, net, data))));
    else {
      if (P > EXACT_DENSE_LIMIT) throw new InputError('--net', `${P} parameters`, `at most ${EXACT_DENSE_LIMIT} parameters for the exact dense Hessian that ${metric} needs (P² = ${(P * P).toExponential(1)} exact entries); hessian-trace stays exact at any size, and --engine float64 or tfjs use Lanczos or Hutch++ above ${DENSE_LIMIT}`);
      const H = lossHessian(E, net, data);
      if (metric === 'hessian-frobenius') result = rootOf(exactValueToFraction(sum(H.flat().map((h) => E.mul(h, h)))));
      else result = { value: spectralNorm(finiteHessian(H.map((r) => r.map((h) => E.toNumber(h))), 'an entry of the exact Hessian rounded to float64 for its eigenvalues (hessian-trace and hessian-frobenius stay exact)')), method: 'dense', note: 'float64 eigenvalues of the exact Hessian' };
    }
  } else {
    const net = networkIn(float64Field, raw);
    const data = datasetIn(float64Field, rawData);
    // The same kink rule in every engine: tfjs would silently use step(0) = 0 there.
    if (metric !== 'loss') samplePasses(float64Field, net, data.inputs);
    // TensorFlow.js only for this engine.
    const tensor = engine === 'tfjs' ? await import('../../tensor/index.js') : undefined;
    const problem = tensor ? (await tensor.initTensorBackend(), new tensor.TensorProblem(net, data)) : undefined;
    try {
      // The typed float64 engine, made only where a gradient or HVP needs it.
      let typed: Float64Problem | undefined;
      const float64 = () => (typed ??= new Float64Problem(net, data));
      const hvp: Hvp = (v) => problem?.hvp(v) ?? Array.from(float64().hvp(v));
      if (metric === 'loss') result = { value: problem?.loss() ?? loss(float64Field, net, data) };
      else if (metric === 'gradient-norm') result = { value: euclideanNorm(problem?.gradient() ?? float64().gradient()) };
      // float64, piecewise linear: the trace from the diagonal alone, deterministic and O(N·O·P).
      else if (P > DENSE_LIMIT && metric === 'hessian-trace' && !problem && net.layers.every((l) => PIECEWISE_LINEAR.includes(l.activation))) result = { value: lossHessianDiagonal(float64Field, net, data).reduce((a, b) => a + b, 0), method: 'diagonal' };
      else if (P > DENSE_LIMIT) result = fromProducts(metric, hvp, P);
      else result = fromDense(metric, finiteHessian(problem?.hessian() ?? lossHessian(float64Field, net, data)));
      assertFinite([result.value as number], '--engine', engine, `the ${metric}`);
    } finally {
      problem?.dispose();
    }
  }
  return result;
}

/**
 * A v2 network that is not an MLP: the v2 forward pass and its exact
 * reverse-mode derivatives (HVPs by forward-over-reverse), exactly in the
 * exact field or in float64, or TensorFlow.js's float32 backprop and double
 * backprop (TensorProblemV2); dense Hessians up to DENSE_LIMIT parameters in
 * the float engines (EXACT_DENSE_LIMIT exactly), Lanczos and Hutch++ above.
 * The exact trace is Σ eᵢᵀHeᵢ, one HVP per parameter: no P × P matrix at any size.
 */
async function evalV2(metric: Metric, engine: Engine, raw: NetworkV2<Scalar>, rawData: ScalarDataset): Promise<Value> {
  if (metric !== 'loss') assertNoKinkAsWrittenV2(raw, rawData); // the same kink rule in every engine, on the numbers as written
  const P = parameterCountV2(raw);
  const finiteHessian = (H: number[][], what = 'an entry of the Hessian') => (assertFinite(H.flat(), '--engine', engine, what), H);
  if (engine === 'rational') {
    assertExactlyEvaluableV2(raw, rawData, '--engine', engine, 'use --engine float64 or tfjs');
    const E = chosenExactField();
    const net = networkV2In(E, raw);
    const data = datasetIn(E, rawData);
    const sum = (xs: readonly ExactValue[]) => xs.reduce((s, x) => E.add(s, x), E.zero);
    if (metric === 'loss') return exact(exactValueToFraction(lossV2(E, net, data)));
    if (metric === 'gradient-norm') return rootOf(exactValueToFraction(sum(lossGradientV2(E, net, data).map((g) => E.mul(g, g)))));
    if (metric === 'hessian-trace') {
      const unit = (i: number) => Array.from({ length: P }, (_, j) => (j === i ? E.one : E.zero));
      return exact(exactValueToFraction(sum(Array.from({ length: P }, (_, i) => lossHessianVectorProductV2(E, net, data, unit(i))[i]!))));
    }
    if (P > EXACT_DENSE_LIMIT) throw new InputError('--net', `${P} parameters`, `at most ${EXACT_DENSE_LIMIT} parameters for the exact dense Hessian that ${metric} needs (P² = ${(P * P).toExponential(1)} exact entries); hessian-trace stays exact at any size, and --engine float64 or tfjs use Lanczos or Hutch++ above ${DENSE_LIMIT}`);
    const H = lossHessianV2(E, net, data);
    if (metric === 'hessian-frobenius') return rootOf(exactValueToFraction(sum(H.flat().map((h) => E.mul(h, h)))));
    return { value: spectralNorm(finiteHessian(H.map((r) => r.map((h) => E.toNumber(h))), 'an entry of the exact Hessian rounded to float64 for its eigenvalues (hessian-trace and hessian-frobenius stay exact)')), method: 'dense', note: 'float64 eigenvalues of the exact Hessian' };
  }
  const F = float64Field;
  const net = networkV2In(F, raw);
  const data = datasetIn(F, rawData);
  // The same kink rule in every engine: float64's reverse mode refuses a kink or a tied max-pool window where doubles land, tfjs would silently take a side.
  if (engine === 'tfjs' && metric !== 'loss') recordV2(F, net, data.inputs, P);
  // TensorFlow.js only for this engine.
  const tensor = engine === 'tfjs' ? await import('../../tensor/index.js') : undefined;
  const problem = tensor ? (await tensor.initTensorBackend(), new tensor.TensorProblemV2(net, data)) : undefined;
  let result: Value;
  try {
    const hvp: Hvp = (v) => problem?.hvp(v) ?? lossHessianVectorProductV2(F, net, data, v);
    if (metric === 'loss') result = { value: problem?.loss() ?? lossV2(F, net, data) };
    else if (metric === 'gradient-norm') result = { value: euclideanNorm(problem?.gradient() ?? lossGradientV2(F, net, data)) };
    else if (P > DENSE_LIMIT) result = fromProducts(metric, hvp, P);
    else result = fromDense(metric, finiteHessian(problem?.hessian() ?? lossHessianV2(F, net, data)));
    assertFinite([result.value as number], '--engine', engine, `the ${metric}`);
  } finally {
    problem?.dispose();
  }
  return result;
}

export async function evalCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['net', 'data', 'metric', 'engine', 'epsilon', 'subspace', 'seed'], ['json']);
  const { net: v2, mlp, data: rawData } = readNetworkAndDataV2(args);
  const chosen = choice(requireFlag(args, 'metric'), EVAL_METRICS, 'metric');
  const engine = choice(optionalFlag(args, 'engine') ?? 'rational', ENGINES, 'engine');
  if ((SHARPNESS_METRICS as readonly string[]).includes(chosen)) {
    const sharpness = await import('./sharpness.js');
    const metric = chosen as (typeof SHARPNESS_METRICS)[number];
    return mlp ? sharpness.sharpnessCommand(args, metric, engine, mlp, rawData) : sharpness.sharpnessCommandV2(args, metric, engine, v2, rawData);
  }
  for (const flag of ['epsilon', 'subspace', 'seed']) if (args.flags.has(flag)) throw new UsageError(`--${flag} applies to the sharpness metrics only`);
  const metric = chosen as Metric;
  const result = mlp ? await evalMlp(metric, engine, mlp, rawData) : await evalV2(metric, engine, v2, rawData);
  const out = { metric, engine, ...result };
  if (args.flags.has('json')) return { stdout: JSON.stringify(out) };
  const extra = [result.method && result.method !== 'dense' && result.method !== 'diagonal' ? `${result.method}${result.standardError !== undefined ? `, standard error ${result.standardError.toPrecision(3)}` : ''}${result.residual !== undefined ? `, residual ${result.residual.toPrecision(3)}${result.converged ? '' : ' (not converged)'}` : ''}` : undefined].filter(Boolean);
  return { stdout: `${metric} (${engine}): ${result.value}${result.approx !== undefined ? ` ≈ ${result.approx}` : ''}${result.squared ? ` (squared: ${result.squared})` : ''}${extra.length ? ` [${extra.join('; ')}]` : ''}` };
}
