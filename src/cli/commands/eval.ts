/** `flatcheck eval`: one curvature metric of a network on a dataset, in an engine of choice. */
import { Fraction } from 'fraction.js';
import { InputError } from '../../field/errors.js';
import { float64Field, fractionToNumber, rationalField as Q } from '../../field/index.js';
import { datasetIn, loss, networkIn } from '../../network/index.js';
import { lossGradient, lossHessian, samplePasses } from '../../autodiff/derivatives.js';
import { frobeniusSquared, trace } from '../../linalg/exact.js';
import { denseTrace, frobeniusNorm, spectralNorm } from '../../curvature/spectral.js';
import { choice, optionalFlag, parseArgs, requireFlag, UsageError } from '../args.js';
import { readNetworkAndData } from '../io.js';
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

const exact = (q: Fraction): Value => ({ value: q.toFraction(), approx: fractionToNumber(q) });
const rootOf = (q: Fraction): Value => ({ value: Math.sqrt(fractionToNumber(q)), squared: q.toFraction() });

export async function evalCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['net', 'data', 'metric', 'engine', 'epsilon', 'subspace', 'seed'], ['json']);
  const { net: raw, data: rawData } = readNetworkAndData(args);
  const chosen = choice(requireFlag(args, 'metric'), EVAL_METRICS, 'metric');
  const engine = choice(optionalFlag(args, 'engine') ?? 'rational', ENGINES, 'engine');
  if ((SHARPNESS_METRICS as readonly string[]).includes(chosen)) return (await import('./sharpness.js')).sharpnessCommand(args, chosen as (typeof SHARPNESS_METRICS)[number], engine, raw, rawData);
  for (const flag of ['epsilon', 'subspace', 'seed']) if (args.flags.has(flag)) throw new UsageError(`--${flag} applies to the sharpness metrics only`);
  const metric = chosen as Metric;
  let result: Value;
  if (engine === 'rational') {
    if (rawData.loss !== 'mse') throw new InputError('--engine', 'rational', 'a float engine for cross-entropy (exp and log are not rational)');
    const net = networkIn(Q, raw);
    const data = datasetIn(Q, rawData);
    if (metric === 'loss') result = exact(loss(Q, net, data));
    else if (metric === 'gradient-norm') result = rootOf(lossGradient(Q, net, data).reduce((s, g) => s.add(g.mul(g)), Q.zero));
    else {
      const H = lossHessian(Q, net, data);
      if (metric === 'hessian-trace') result = exact(trace(Q, H));
      else if (metric === 'hessian-frobenius') result = rootOf(frobeniusSquared(Q, H));
      else result = { value: spectralNorm(H.map((r) => r.map(fractionToNumber))), note: 'float64 eigenvalues of the exact Hessian' };
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
      const hessian = () => problem?.hessian() ?? lossHessian(float64Field, net, data);
      const gradient = () => problem?.gradient() ?? lossGradient(float64Field, net, data);
      const value =
        metric === 'loss' ? problem?.loss() ?? loss(float64Field, net, data)
        : metric === 'gradient-norm' ? Math.hypot(...gradient())
        : metric === 'hessian-trace' ? denseTrace(hessian())
        : metric === 'hessian-frobenius' ? frobeniusNorm(hessian())
        : spectralNorm(hessian());
      result = { value };
    } finally {
      problem?.dispose();
    }
  }
  const out = { metric, engine, ...result };
  if (args.flags.has('json')) return { stdout: JSON.stringify(out) };
  return { stdout: `${metric} (${engine}): ${result.value}${result.approx !== undefined ? ` ≈ ${result.approx}` : ''}${result.squared ? ` (squared: ${result.squared})` : ''}` };
}
