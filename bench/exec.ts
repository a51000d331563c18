/**
 * Metrics as processes (src/metrics/exec.ts): the protocol's round trip,
 * and the battery's wall time on the numpy path norm against the JavaScript
 * reference path norm at the same runs and seed.
 */
import { float64Field } from '../src/field/float64.js';
import { datasetIn, networkIn, parameterCount, randomDataset, randomNetwork, shapeOf } from '../src/network/index.js';
import { checkMetric, type BatteryReport } from '../src/metrics/battery.js';
import { FAMILIES } from '../src/metrics/contract.js';
import { ExecMetric, ExecPool, execMetricInfo } from '../src/metrics/exec.js';
import { IsolatedMetric } from '../src/metrics/isolated.js';
import pathNorm from '../src/metrics/reference/path-norm.js';

interface Row {
  name: string;
  value: number;
  unit: string;
  detail: string;
}

const root = new URL('../', import.meta.url).pathname;
const verdicts = (r: BatteryReport) => FAMILIES.map((f) => r.families[f]?.verdict).join('/');

/** Mean ms per evaluate → result round trip of a process that does next to nothing, on a 100-parameter network. */
async function roundTrip(rows: Row[], label: string, command: string[]): Promise<void> {
  const net = networkIn(float64Field, randomNetwork({ inputSize: 7, hidden: [11], outputSize: 1, activation: 'relu', bias: true }, 1));
  const data = datasetIn(float64Field, randomDataset({ inputSize: 7, outputSize: 1, samples: 16, loss: 'mse' }, 1));
  const m = new ExecMetric(command);
  try {
    await m.hello();
    for (let i = 0; i < 100; i++) await m.evaluate(net, data, i, 10_000);
    const n = 2000;
    const start = performance.now();
    for (let i = 0; i < n; i++) await m.evaluate(net, data, i, 10_000);
    rows.push({ name: `exec round trip, ${label}`, value: (performance.now() - start) / n, unit: 'ms', detail: `${parameterCount(shapeOf(net))} params, 16 samples; target ≤ 1 ms` });
  } finally {
    await m.close();
  }
}

async function timed<R>(f: () => Promise<R>): Promise<{ ms: number; result: R }> {
  const start = performance.now();
  const result = await f();
  return { ms: performance.now() - start, result };
}

/** Best of 3 (the machine is shared). */
async function best<R>(f: () => Promise<R>): Promise<{ ms: number; result: R }> {
  let out: { ms: number; result: R } | undefined;
  for (let i = 0; i < 3; i++) {
    const t = await timed(f);
    if (!out || t.ms < out.ms) out = t;
  }
  return out!;
}

/**
 * The whole battery (3 families, default runs and seed), processes and workers started beforehand:
 * JavaScript in a worker, as `flatcheck check` runs it, and in this thread; numpy with 1 and 2 processes.
 */
async function pathNormBattery(rows: Row[], python: string): Promise<void> {
  const command = [python, `${root}examples/python/path_norm.py`];
  const net = networkIn(float64Field, randomNetwork({ inputSize: 2, hidden: [2], outputSize: 1, activation: 'relu', bias: true }, 1));
  const data = datasetIn(float64Field, randomDataset({ inputSize: 2, outputSize: 1, samples: 2, loss: 'mse' }, 1));
  const isolated = new IsolatedMetric(`${root}src/metrics/reference/path-norm.ts`, 60_000);
  const workerStart = await timed(() => isolated.evaluate(net, data, 1, 60_000));
  const worker = await best(() => checkMetric(pathNorm, { evaluator: isolated }));
  await isolated.close();
  rows.push({ name: 'battery path-norm, JavaScript (worker)', value: worker.ms, unit: 'ms', detail: `${verdicts(worker.result)}; best of 3, after ${workerStart.ms.toFixed(0)} ms loading the worker` });
  const inThread = await best(() => checkMetric(pathNorm));
  rows.push({ name: 'battery path-norm, JavaScript (in thread)', value: inThread.ms, unit: 'ms', detail: `${verdicts(inThread.result)}; best of 3` });
  const one = new ExecMetric(command);
  const start = await timed(() => one.hello());
  const single = await best(() => checkMetric(execMetricInfo(start.result), { evaluator: one }));
  await one.close();
  rows.push({ name: 'battery path-norm, numpy (--jobs 1)', value: single.ms, unit: 'ms', detail: `${verdicts(single.result)}; best of 3, ${one.evaluations / 3} evaluations each, after ${start.ms.toFixed(0)} ms starting python` });
  rows.push({ name: 'battery path-norm, numpy / JavaScript (worker)', value: single.ms / worker.ms, unit: 'ratio', detail: `target ≤ 1.5; ${(single.ms / inThread.ms).toFixed(2)}× the in-thread run` });
  // --jobs 2: the families' searches run concurrently, each evaluation on an idle process.
  const pool = new ExecPool(command, 2);
  const hello = await pool.hello();
  const both = await best(() => Promise.all(FAMILIES.map((family) => checkMetric(execMetricInfo(hello), { evaluator: pool, families: [family] }))));
  await pool.close();
  const same = both.result.every((r, i) => JSON.stringify(r.families[FAMILIES[i]!]) === JSON.stringify(single.result.families[FAMILIES[i]!]));
  rows.push({ name: 'battery path-norm, numpy (--jobs 2)', value: both.ms, unit: 'ms', detail: `the 3 families concurrently; best of 3; ${same ? 'the same reports as --jobs 1' : 'REPORTS DIFFER from --jobs 1'}; ${pool.members.map((m) => m.evaluations).join(' + ')} evaluations over the 3 runs` });
}

export async function execBenchmarks(rows: Row[], python = process.env.FLATCHECK_PYTHON ?? 'python3'): Promise<void> {
  await roundTrip(rows, 'Node', [process.execPath, `${root}fixtures/exec/node-metric.mjs`, 'ok']);
  await roundTrip(rows, `Python (${python}, numpy arrays)`, [python, `${root}fixtures/exec/python_metric.py`, 'arrays']);
  await roundTrip(rows, `Python (${python}, lists)`, [python, `${root}fixtures/exec/python_metric.py`, 'lists']);
  await pathNormBattery(rows, python);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows: Row[] = [];
  await execBenchmarks(rows);
  for (const r of rows) console.log(`${r.name.padEnd(50)}  ${r.value.toPrecision(4).padStart(10)} ${r.unit.padEnd(8)} ${r.detail}`);
}
