/** `flatcheck eval`: one curvature metric of a network on a dataset, in an engine of choice. */
import { Fraction } from 'fraction.js';
import { UsageError } from '../../field/errors.js';
import { float64Field, fractionToNumber, rationalField as Q } from '../../field/index.js';
import { datasetIn, loss, networkIn } from '../../network/index.js';
import { lossGradient, lossHessian, samplePasses } from '../../autodiff/derivatives.js';
import { frobeniusSquared, trace } from '../../linalg/exact.js';
import { denseTrace, frobeniusNorm, spectralNorm } from '../../curvature/spectral.js';
import { choice, optionalFlag, parseArgs, requireFlag } from '../args.js';
import { assertExactlyEvaluable, assertFinite, assertNoKinkAsWritten, readNetworkAndData } from '../io.js';
import type { CommandResult } from '../command.js';

export const CURVATURE_METRICS = ['loss', 'gradient-norm', 'hessian-spectral-norm', 'hessian-trace', 'hessian-frobenius'] as const;
export const SHARPNESS_METRICS = ['ball-sharpness', 'keskar-sharpness'] as const;
export const EVAL_METRICS = [...CURVATURE_METRICS, ...SHARPNESS_METRICS] as const;
export const ENGINES = ['rational', 'float64', 'tfjs'] as const;
export const EVAL_USAGE = `flatcheck eval --net NET.json --data DATA.json --metric ${EVAL_METRICS.join('|')} [--engine rational|float64|tfjs] [--epsilon E [--subspace P] [--seed S]] [--json]`;

type Metric = (typeof CURVATURE_METRICS)[number];

/** An exact value as "p/q" with its decimal approximation; a float value as a number. */
interface Value {
  value: string | number;
  approx?: number;
  /** For a norm in the rational engine: its exact square. */
  squared?: string;
  note?: string;
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

export async function evalCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['net', 'data', 'metric', 'engine', 'epsilon', 'subspace', 'seed'], ['json']);
  const { net: raw, data: rawData } = readNetworkAndData(args);
  const chosen = choice(requireFlag(args, 'metric'), EVAL_METRICS, 'metric');
  const engine = choice(optionalFlag(args, 'engine') ?? 'rational', ENGINES, 'engine');
  if ((SHARPNESS_METRICS as readonly string[]).includes(chosen)) return (await import('./sharpness.js')).sharpnessCommand(args, chosen as (typeof SHARPNESS_METRICS)[number], engine, raw, rawData);
  for (const flag of ['epsilon', 'subspace', 'seed']) if (args.flags.has(flag)) throw new UsageError(`--${flag} applies to the sharpness metrics only`);
  const metric = chosen as Metric;
  if (metric !== 'loss') assertNoKinkAsWritten(raw, rawData); // the same kink rule in every engine, on the numbers as written
  let result: Value;
  /** A float Hessian with an entry past the float range has no eigenvalues, trace or norm to report. */
  const finiteHessian = (H: number[][], what = 'an entry of the Hessian') => (assertFinite(H.flat(), '--engine', engine, what), H);
  if (engine === 'rational') {
    assertExactlyEvaluable(raw, rawData, '--engine', engine, 'use --engine float64 or tfjs');
    const net = networkIn(Q, raw);
    const data = datasetIn(Q, rawData);
    if (metric === 'loss') result = exact(loss(Q, net, data));
    else if (metric === 'gradient-norm') result = rootOf(lossGradient(Q, net, data).reduce((s, g) => s.add(g.mul(g)), Q.zero));
    else {
      const H = lossHessian(Q, net, data);
      if (metric === 'hessian-trace') result = exact(trace(Q, H));
      else if (metric === 'hessian-frobenius') result = rootOf(frobeniusSquared(Q, H));
      else result = { value: spectralNorm(finiteHessian(H.map((r) => r.map(fractionToNumber)), 'an entry of the exact Hessian rounded to float64 for its eigenvalues (hessian-trace and hessian-frobenius stay exact)')), note: 'float64 eigenvalues of the exact Hessian' };
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
      const hessian = () => finiteHessian(problem?.hessian() ?? lossHessian(float64Field, net, data));
      const gradient = () => problem?.gradient() ?? lossGradient(float64Field, net, data);
      const value =
        metric === 'loss' ? problem?.loss() ?? loss(float64Field, net, data)
        : metric === 'gradient-norm' ? Math.hypot(...gradient())
        : metric === 'hessian-trace' ? denseTrace(hessian())
        : metric === 'hessian-frobenius' ? frobeniusNorm(hessian())
        : spectralNorm(hessian());
      assertFinite([value], '--engine', engine, `the ${metric}`);
      result = { value };
    } finally {
      problem?.dispose();
    }
  }
  const out = { metric, engine, ...result };
  if (args.flags.has('json')) return { stdout: JSON.stringify(out) };
  return { stdout: `${metric} (${engine}): ${result.value}${result.approx !== undefined ? ` ≈ ${result.approx}` : ''}${result.squared ? ` (squared: ${result.squared})` : ''}` };
}
