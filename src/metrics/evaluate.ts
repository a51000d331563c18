/** Evaluating the metric under test: in this thread or in a worker thread, with a time limit, its value checked. */
import { metricContext, type Metric } from './contract.js';
import { KinkError } from '../field/errors.js';
import type { IsolatedMetric } from './isolated.js';
import type { Dataset } from '../network/types.js';
import type { AnyNetwork } from '../network/v2.js';

/** Per evaluation, unless BatteryOptions.timeLimitMs says otherwise. */
export const DEFAULT_TIME_LIMIT_MS = 10_000;

/** The metric under test misbehaved (threw, returned a non-number, timed out): an error verdict, not a counterexample. */
export class MetricFailure extends Error {}

export interface Evaluation {
  value: number;
  /** Whether the metric drew from ctx.random: then its value is an estimate with sampling noise. */
  usedRandom: boolean;
  /** Whether it computed with float32 tensors (ctx.tf, or the tensor derivatives of a smooth network): then it is held to float32's precision. */
  usedTensors: boolean;
  /** Tensors the metric left behind or returned (disposed with the evaluation's scope); only in this thread. */
  leftTensors?: number;
}

/** One evaluation of the metric under test, on a network, data and ctx.random seed. */
export type Evaluate = (net: AnyNetwork<number>, data: Dataset<number>, seed?: number) => Promise<Evaluation>;

/** A metric's value must be a finite number: anything else is an error verdict that names what came back. */
export function checkedValue(value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new MetricFailure('returned NaN, not a finite number');
    if (!Number.isFinite(value)) throw new MetricFailure(`returned ${value}, not a finite number (an unbounded value is not a measurement)`);
    return value;
  }
  if (typeof value === 'bigint') throw new MetricFailure(`returned the bigint ${value}n, not a number (convert it with Number(...) if that is what you mean)`);
  if (typeof value === 'string') throw new MetricFailure(`returned the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}, not a number${value.trim() !== '' && Number.isFinite(Number(value)) ? ' (a numeric string is not accepted: return the number)' : ''}`);
  throw new MetricFailure(`returned ${value === null ? 'null' : value === undefined ? 'nothing (undefined)' : `a ${typeof value}`}, not a number`);
}

/**
 * In this thread: an asynchronous metric is timed out; a synchronous loop cannot be interrupted here.
 * Each evaluation runs in its own tfjs scope, ended when the evaluation ends or times out: tensors the
 * metric left behind are disposed and counted, and ctx.tf throws for a late continuation. Evaluations
 * in this thread take turns (tfjs ends the innermost scope, so two open at once would end each other's).
 */
export function inProcess(metric: Metric, timeLimitMs = DEFAULT_TIME_LIMIT_MS): Evaluate {
  return (net, data, seed = 1) => {
    const turn = inProcessTurn.then(() => evaluateScoped(metric, timeLimitMs, net, data, seed));
    inProcessTurn = turn.catch(() => undefined);
    return turn;
  };
}

let inProcessTurn: Promise<unknown> = Promise.resolve();

async function evaluateScoped(metric: Metric, timeLimitMs: number, net: AnyNetwork<number>, data: Dataset<number>, seed: number): Promise<Evaluation> {
  const ctx = await metricContext(net, data, seed);
  const { tf } = await import('../tensor/backend.js');
  tf.engine().startScope();
  const before = tf.memory().numTensors;
  let timer: NodeJS.Timeout | undefined;
  let value: unknown;
  let leftTensors: number;
  try {
    value = await Promise.race([
      Promise.resolve().then(() => metric.evaluate(ctx)),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new MetricFailure(`timed out after ${timeLimitMs} ms`)), timeLimitMs))),
    ]);
  } catch (e) {
    // A kink makes derivatives undefined: that case is discarded, not held against the metric.
    if (e instanceof MetricFailure || e instanceof KinkError) throw e;
    throw new MetricFailure(`threw: ${(e as Error)?.message ?? String(e)}`);
  } finally {
    clearTimeout(timer);
    ctx.dispose();
    leftTensors = tf.memory().numTensors - before;
    tf.engine().endScope();
  }
  return { value: checkedValue(value), usedRandom: ctx.usedRandom, usedTensors: ctx.usedTensors, leftTensors };
}

/** In a worker thread (the metric's module file): any hang, synchronous or not, is cut off at the limit. */
export function inWorker(isolated: Pick<IsolatedMetric, 'evaluate'>, timeLimitMs: number): Evaluate {
  return async (net, data, seed = 1) => {
    const reply = await isolated.evaluate(net, data, seed, timeLimitMs).catch((e: Error) => {
      throw new MetricFailure(e.message);
    });
    if (reply.kink) throw new KinkError(...reply.kink);
    if (reply.error !== undefined) throw new MetricFailure(`threw: ${reply.error}`);
    return { value: checkedValue(reply.value), usedRandom: reply.usedRandom ?? false, usedTensors: reply.usedTensors ?? false };
  };
}
