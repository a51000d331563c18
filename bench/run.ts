/**
 * Benchmarks (never timed assertions in tests): prints a table and writes
 * bench/results.json. Run with `npm run bench`.
 */
import fc from 'fast-check';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitDataset, fitSymmetry, networkArbitrary, rawDatasetArbitrary, rawSymmetryArbitrary } from '../src/arbitraries/index.js';
import { float64Field, rationalField, type Field, type Scalar } from '../src/field/index.js';
import { terminatingField } from '../src/field/terminating.js';
import { datasetIn, flatten, forward, networkIn, parameterCount, randomDataset, randomNetwork, shapeOf, unflatten } from '../src/network/index.js';
import { applyMap, symmetryMap } from '../src/symmetry/index.js';
import { initTensorBackend, tensorForward, TensorProblem, tf } from '../src/tensor/index.js';
import { lossHessian } from '../src/autodiff/derivatives.js';
import { Float64Problem } from '../src/autodiff/typed.js';
import { datasetToJson, networkToJson } from '../src/network/json.js';
import { denseHvp, lanczos, spectralNorm } from '../src/curvature/spectral.js';
import { certifySharpnessWitness, findSharpnessWitness, flatVolumeCertificate, float64Oracle, maximiseSharpness, tensorOracle } from '../src/sharpness/index.js';
import { teacherStudentArbitrary } from '../src/arbitraries/index.js';
import { checkMetric, FAMILIES, loadRegistry } from '../src/metrics/index.js';
import { Fraction } from 'fraction.js';
import { execBenchmarks } from './exec.js';
import { vectorDualField, type VectorDual } from '../src/field/dual.js';
import { Terminating, type ExactValue } from '../src/field/terminating.js';
import { mapDataset, randomDatasetV2, randomNetworkV2, type Dataset, type NetworkV2Spec, type PoolSpec } from '../src/network/index.js';
import { flattenV2, mapNetworkV2, networkV2In, parameterCountV2, unflattenV2, type NetworkV2 } from '../src/network/v2.js';
import { lossV2, recordV2 } from '../src/network/v2-forward.js';
import { lossHessianV2, lossHessianVectorProductV2 } from '../src/autodiff/v2.js';
import { outputDerivatives } from '../src/autodiff/derivatives.js';
import { TensorProblemV2 } from '../src/tensor/v2.js';

interface Row {
  name: string;
  value: number;
  unit: string;
  detail: string;
}
const rows: Row[] = [];

function timeIt(f: () => void, minMs = 1000): number {
  f();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    f();
    n++;
  }
  return (performance.now() - start) / n;
}

/** Median ms of repeated calls (at least minMs in all and 5 calls): the statistic bench/torch_engines.py reports, so engine ratios compare like with like. */
function medianMs(f: () => void, minMs = 1000): number {
  f();
  const times: number[] = [];
  const start = performance.now();
  while (performance.now() - start < minMs || times.length < 5) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

/** The exact equivalence property's body on a fixed sample of its own generators. */
function exactEquivalenceCasesPerSecond(): void {
  const Q = rationalField;
  const cases = fc.sample(fc.tuple(networkArbitrary(), rawDatasetArbitrary(), rawSymmetryArbitrary({ compose: true })), { numRuns: 400, seed: 1 });
  const start = performance.now();
  for (const [raw, rawData, rawSym] of cases) {
    const shape = shapeOf(raw);
    const net = networkIn(Q, raw);
    const data = datasetIn(Q, fitDataset(rawData, shape));
    const moved = unflatten(net, applyMap(Q, symmetryMap(Q, shape, fitSymmetry(rawSym, shape)), flatten(net)));
    const a = forward(Q, net, data.inputs);
    const b = forward(Q, moved, data.inputs);
    if (!a.every((r, s) => r.every((v, o) => v.equals(b[s]![o]!)))) throw new Error('equivalence failed in the benchmark');
  }
  const seconds = (performance.now() - start) / 1000;
  const params = cases.reduce((s, [n]) => s + parameterCount(shapeOf(n)), 0) / cases.length;
  rows.push({ name: 'exact equivalence property', value: cases.length / seconds, unit: 'cases/s', detail: `${cases.length} cases, mean ${params.toFixed(0)} parameters` });
}

async function forwardPasses(): Promise<void> {
  const backend = await initTensorBackend();
  for (const [hidden, samples] of [[[32, 32], 64], [[100, 100], 64], [[300, 300], 64]] as const) {
    const raw = randomNetwork({ inputSize: 16, hidden: [...hidden], outputSize: 4, activation: 'relu', bias: true }, 1);
    const net = networkIn(float64Field, raw);
    const data = datasetIn(float64Field, randomDataset({ inputSize: 16, outputSize: 4, samples, loss: 'mse' }, 2));
    const p = parameterCount(shapeOf(raw));
    rows.push({ name: `forward float64, ${p} params`, value: timeIt(() => forward(float64Field, net, data.inputs)), unit: 'ms', detail: `${samples} samples` });
    const before = tf.memory().numTensors;
    rows.push({ name: `forward tfjs/${backend}, ${p} params`, value: timeIt(() => tensorForward(net, data)), unit: 'ms', detail: `${samples} samples, outputs read back` });
    if (tf.memory().numTensors !== before) throw new Error('tensor leak in the forward benchmark');
  }
}

/** Forward (loss), gradient and HVP times on the tfjs backend, and their ratios. */
async function tensorDerivatives(): Promise<void> {
  const backend = await initTensorBackend();
  for (const [label, hidden, inputSize] of [['1e3', [24, 24], 16], ['1e4', [96, 80], 16], ['1e5', [300, 300], 32]] as const) {
    const raw = randomNetwork({ inputSize, hidden: [...hidden], outputSize: 4, activation: 'relu', bias: true }, 3);
    const net = networkIn(float64Field, raw);
    const data = datasetIn(float64Field, randomDataset({ inputSize, outputSize: 4, samples: 64, loss: 'mse' }, 4));
    const problem = new TensorProblem(net, data);
    const v = Array.from({ length: problem.size }, (_, i) => Math.sin(i));
    const before = tf.memory().numTensors;
    const forwardMs = timeIt(() => problem.loss());
    const gradientMs = timeIt(() => problem.gradient());
    const hvpMs = timeIt(() => problem.hvp(v));
    if (tf.memory().numTensors !== before) throw new Error('tensor leak in the derivative benchmark');
    const detail = `${problem.size} params, 64 samples, ${backend}`;
    rows.push({ name: `tfjs ${label}: forward+loss`, value: forwardMs, unit: 'ms', detail });
    rows.push({ name: `tfjs ${label}: gradient`, value: gradientMs, unit: 'ms', detail });
    rows.push({ name: `tfjs ${label}: HVP`, value: hvpMs, unit: 'ms', detail });
    rows.push({ name: `tfjs ${label}: HVP / gradient`, value: hvpMs / gradientMs, unit: 'ratio', detail: 'target ≤ 3' });
    rows.push({ name: `tfjs ${label}: gradient / forward`, value: gradientMs / forwardMs, unit: 'ratio', detail: 'target ≤ 4' });
    // Lanczos: HVPs until the top Ritz value is within 1e-6 (relative) of a reference.
    const reference = problem.size <= 400 ? spectralNorm(problem.hessian()) : Math.abs(lanczos((x) => problem.hvp(x), problem.size, { steps: 120, seed: 1 }).values[0]!);
    const { history } = lanczos((x) => problem.hvp(x), problem.size, { steps: 60, seed: 2, history: true });
    const reached = history!.findIndex((r) => Math.abs(Math.abs(r) - reference) <= 1e-6 * reference) + 1;
    rows.push({ name: `tfjs ${label}: Lanczos HVPs to 1e-6`, value: reached || NaN, unit: 'HVPs', detail: `reference ${reference.toPrecision(8)} (${problem.size <= 400 ? 'dense Jacobi' : 'Lanczos, 120 steps'}); target ≤ 40` });
    problem.dispose();
  }
}

/** Lanczos against the dense eigensolver on a small net (float64 analytic Hessian). */
function lanczosVersusDense(): void {
  const raw = randomNetwork({ inputSize: 8, hidden: [12, 12], outputSize: 3, activation: 'relu', bias: true }, 5);
  const net = networkIn(float64Field, raw);
  const data = datasetIn(float64Field, randomDataset({ inputSize: 8, outputSize: 3, samples: 32, loss: 'mse' }, 6));
  const H = lossHessian(float64Field, net, data);
  const denseMs = timeIt(() => spectralNorm(H), 300);
  const dense = spectralNorm(H);
  const lanczosMs = timeIt(() => lanczos(denseHvp(H), H.length, { steps: 40 }), 300);
  const top = Math.abs(lanczos(denseHvp(H), H.length, { steps: 40 }).values[0]!);
  rows.push({ name: `dense Jacobi spectral norm, ${H.length} params`, value: denseMs, unit: 'ms', detail: `value ${dense.toPrecision(12)}` });
  rows.push({ name: `Lanczos (40 steps), ${H.length} params`, value: lanczosMs, unit: 'ms', detail: `relative gap to dense ${(Math.abs(top - dense) / dense).toExponential(2)}` });
}

/** The exact rational Hessian's time against parameter count (16 samples). */
function exactHessianTimes(): void {
  for (const hidden of [[4], [8], [10, 6], [16, 8]]) {
    const raw = randomNetwork({ inputSize: 4, hidden, outputSize: 2, activation: 'relu', bias: true }, 7);
    const net = networkIn(rationalField, raw);
    const data = datasetIn(rationalField, randomDataset({ inputSize: 4, outputSize: 2, samples: 16, loss: 'mse' }, 8));
    const p = parameterCount(shapeOf(raw));
    rows.push({ name: `exact Hessian, ${p} params`, value: timeIt(() => lossHessian(rationalField, net, data), 500), unit: 'ms', detail: '16 samples, rationals; target < 2000 ms at ~200 params' });
  }
}

/**
 * The gcd-free terminating field against the Fraction field: the exact
 * Hessian of an 8-12-12-3 net (303 parameters, 32 samples) with float32
 * weights, and the exact forward pass of the equivalence property's cases.
 */
function exactFieldTimes(): void {
  const raw = randomNetwork({ inputSize: 8, hidden: [12, 12], outputSize: 3, activation: 'relu', bias: true }, 5);
  const toFloat32 = (x: unknown) => (typeof x === 'number' ? Math.fround(x) : x);
  const f32 = { ...raw, layers: raw.layers.map((l) => ({ ...l, weights: l.weights.map((r) => r.map(toFloat32)), ...(l.bias ? { bias: l.bias.map(toFloat32) } : {}) })) } as typeof raw;
  const rawData = randomDataset({ inputSize: 8, outputSize: 3, samples: 32, loss: 'mse' }, 6);
  const cases = fc.sample(fc.tuple(networkArbitrary({ weights: 'dyadic' }), rawDatasetArbitrary({ values: 'dyadic' })), { numRuns: 200, seed: 1 });
  for (const [name, F] of [['Fraction', rationalField], ['terminating', terminatingField]] as [string, Field<unknown>][]) {
    const net = networkIn(F, f32);
    const data = datasetIn(F, rawData);
    const start = performance.now();
    lossHessian(F, net, data);
    rows.push({ name: `exact Hessian (${name}), 303 params`, value: performance.now() - start, unit: 'ms', detail: '32 samples, float32 weights; target ≤ 5000 ms' });
    const prepared = cases.map(([n, d]) => [networkIn(F, n), datasetIn(F, fitDataset(d, shapeOf(n)))] as const);
    const t0 = performance.now();
    for (const [n, d] of prepared) forward(F, n, d.inputs);
    rows.push({ name: `exact forward (${name})`, value: prepared.length / ((performance.now() - t0) / 1000), unit: 'cases/s', detail: `${prepared.length} dyadic networks of the property generator` });
  }
}

/** The maximiser's cost: gradient evaluations per restart and time, on bench nets (float64 and tfjs). */
async function maximiserCost(): Promise<void> {
  await initTensorBackend();
  for (const hidden of [[16], [32, 32]]) {
    const raw = randomNetwork({ inputSize: 8, hidden, outputSize: 3, activation: 'relu', bias: true }, 9);
    const net = networkIn(float64Field, raw);
    const data = datasetIn(float64Field, randomDataset({ inputSize: 8, outputSize: 3, samples: 32, loss: 'mse' }, 10));
    const theta = flatten(net);
    for (const [label, region] of [['ball', { kind: 'ball' as const, epsilon: 1e-3 }], ['keskar box', { kind: 'box' as const, epsilon: 1e-3 }]] as const) {
      let result = maximiseSharpness(float64Oracle(net, data), theta, region, { seed: 1 });
      const ms = timeIt(() => (result = maximiseSharpness(float64Oracle(net, data), theta, region, { seed: 1 })), 500);
      rows.push({ name: `maximiser ${label}, float64, ${theta.length} params`, value: result.gradientEvaluations / result.restarts, unit: 'grads/restart', detail: `${result.restarts} restarts, ${ms.toFixed(0)} ms in all, value ${result.value.toPrecision(4)}` });
      const problem = new TensorProblem(net, data);
      let tensorResult = maximiseSharpness(tensorOracle(problem), theta, region, { seed: 1 });
      const tms = timeIt(() => (tensorResult = maximiseSharpness(tensorOracle(problem), theta, region, { seed: 1 })), 500);
      problem.dispose();
      rows.push({ name: `maximiser ${label}, tfjs, ${theta.length} params`, value: tensorResult.gradientEvaluations / tensorResult.restarts, unit: 'grads/restart', detail: `${tms.toFixed(0)} ms in all, value ${tensorResult.value.toPrecision(4)}` });
    }
  }
}

/** Cases per second of the ε-sharpness and flat-volume certificates, on their properties' own generators. */
function certificateCasesPerSecond(): void {
  const sharp = fc.sample(teacherStudentArbitrary({ maxHidden: 3, maxWidth: 3, maxInput: 3, maxOutput: 2 }), { numRuns: 200, seed: 3 });
  let start = performance.now();
  for (const c of sharp) {
    const net = networkIn(rationalField, c.network);
    const data = datasetIn(rationalField, c.dataset) as Parameters<typeof findSharpnessWitness>[1];
    const w = findSharpnessWitness(net, data, new Fraction(1n, 1000n), new Fraction(10n ** 6n, 1n));
    if (w) certifySharpnessWitness(net, data, new Fraction(1n, 1000n), new Fraction(10n ** 6n, 1n), w);
  }
  rows.push({ name: 'ε-sharpness witness + certificate', value: sharp.length / ((performance.now() - start) / 1000), unit: 'cases/s', detail: 'ε = 1e-3, M = 1e6, 1–3 hidden layers' });
  const flat = fc.sample(teacherStudentArbitrary({ maxHidden: 1, maxWidth: 3, maxInput: 2, maxOutput: 2 }, { maxSamples: 3 }), { numRuns: 100, seed: 4 });
  start = performance.now();
  let done = 0;
  for (const c of flat) {
    const net = networkIn(rationalField, c.network);
    const data = datasetIn(rationalField, c.dataset) as Parameters<typeof flatVolumeCertificate>[1];
    try {
      flatVolumeCertificate(net, data, new Fraction(1n, 1000n), new Fraction(10n ** 100n, 1n));
      done++;
    } catch {
      // θ1 = 0 or ‖θ1‖∞ ≤ r: the property discards these too
    }
  }
  rows.push({ name: 'flat-volume certificate (Theorem 2)', value: done / ((performance.now() - start) / 1000), unit: 'cases/s', detail: 'ε = 1e-3, V = 1e100, one hidden layer' });
}

/** The conformance battery's time per registered metric and family, at its default 30 cases. */
async function batteryTimes(): Promise<void> {
  for (const metric of await loadRegistry()) {
    for (const family of FAMILIES) {
      const start = performance.now();
      const report = await checkMetric(metric, { families: [family] });
      rows.push({ name: `battery ${metric.id} / ${family}`, value: performance.now() - start, unit: 'ms', detail: `${report.families[family]!.verdict}, ${report.families[family]!.runs} cases` });
    }
  }
}

/**
 * Whole-process wall times of the installed CLI (bin/ runs the compiled dist/, as an installed package does;
 * `npm run build` first), median of 7 runs, next to a bare `node -e 0` measured in the same run.
 */
function cliStartup(): void {
  const dir = mkdtempSync(join(tmpdir(), 'flatcheck-bench-'));
  const net = randomNetwork({ inputSize: 4, hidden: [4], outputSize: 2, activation: 'relu', bias: true }, 11);
  writeFileSync(join(dir, 'net.json'), JSON.stringify({ format: 'flatcheck.network/v1', ...net }));
  writeFileSync(join(dir, 'data.json'), JSON.stringify({ format: 'flatcheck.dataset/v1', ...randomDataset({ inputSize: 4, outputSize: 2, samples: 8, loss: 'mse' }, 12) }));
  const bin = new URL('../bin/flatcheck.mjs', import.meta.url).pathname;
  const files = ['--net', join(dir, 'net.json'), '--data', join(dir, 'data.json')];
  const p = parameterCount(shapeOf(net));
  const cases: [string, string[], string][] = [
    ['node -e 0', ['-e', '0'], 'the floor: Node start-up alone'],
    ['flatcheck --version', [bin, '--version'], ''],
    ['flatcheck --help', [bin, '--help'], 'loads every verb module, none of their engines'],
    [`flatcheck forward --field rational, ${p} params`, [bin, 'forward', ...files, '--field', 'rational'], 'target ≤ 0.3 s'],
    [`flatcheck eval --engine tfjs, ${p} params`, [bin, 'eval', ...files, '--metric', 'hessian-spectral-norm', '--engine', 'tfjs'], 'hessian-spectral-norm; target ≤ 1 s'],
    ['flatcheck check (.ts metric, 1 case)', [bin, 'check', new URL('../fixtures/metrics/weight-decay.ts', import.meta.url).pathname, '--families', 'permutation', '--runs', '1'], 'start-up: tsx, the worker thread, TensorFlow.js in it'],
  ];
  try {
    for (const [name, args, detail] of cases) {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const start = performance.now();
        execFileSync(process.execPath, args, { stdio: 'ignore' });
        times.push((performance.now() - start) / 1000);
      }
      times.sort((a, b) => a - b);
      rows.push({ name: `cli: ${name}`, value: times[3]!, unit: 's', detail: `median of 7 (${times[0]!.toFixed(2)}–${times[6]!.toFixed(2)})${detail ? `; ${detail}` : ''}` });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Float engines side by side on the tensor section's networks: TensorFlow.js
 * (float32, its backend), the typed-array float64 engine (Float64Problem),
 * and PyTorch float32 on one thread when Debian's python3-torch is there
 * (bench/torch_engines.py), each timed by the median of repeated calls.
 * Debian's torch does its matmuls in the reference BLAS (libblas3), not MKL
 * or OpenBLAS: the ratios are against that build. Then Lanczos at 1e5
 * parameters on the typed engine, its time split into HVPs and the rest.
 */
async function engineTimes(): Promise<void> {
  const backend = await initTensorBackend();
  const torchPython = '/usr/bin/python3';
  const hasTorch = existsSync(torchPython) && spawnSync(torchPython, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  const dir = mkdtempSync(join(tmpdir(), 'flatcheck-bench-engines-'));
  try {
    for (const [label, hidden, inputSize] of [['1e3', [24, 24], 16], ['1e4', [96, 80], 16], ['1e5', [300, 300], 32]] as const) {
      const raw = randomNetwork({ inputSize, hidden: [...hidden], outputSize: 4, activation: 'relu', bias: true }, 3);
      const rawData = randomDataset({ inputSize, outputSize: 4, samples: 64, loss: 'mse' }, 4);
      const net = networkIn(float64Field, raw);
      const data = datasetIn(float64Field, rawData);
      const tensor = new TensorProblem(net, data);
      const typed = new Float64Problem(net, data);
      const v = Array.from({ length: typed.size }, (_, i) => Math.sin(i));
      const detail = `${typed.size} params, 64 samples`;
      const tfjs = { gradient: medianMs(() => tensor.gradient()), hvp: medianMs(() => tensor.hvp(v)) };
      const f64 = { gradient: medianMs(() => typed.gradient()), hvp: medianMs(() => typed.hvp(v)) };
      tensor.dispose();
      let torch: { gradient_ms: number; hvp_ms: number; threads: number } | undefined;
      if (hasTorch) {
        writeFileSync(join(dir, 'net.json'), JSON.stringify(networkToJson(float64Field, net)));
        writeFileSync(join(dir, 'data.json'), JSON.stringify(datasetToJson(float64Field, data)));
        torch = JSON.parse(execFileSync(torchPython, [new URL('./torch_engines.py', import.meta.url).pathname, join(dir, 'net.json'), join(dir, 'data.json')], { encoding: 'utf8' })) as { gradient_ms: number; hvp_ms: number; threads: number };
      }
      for (const what of ['gradient', 'hvp'] as const) {
        const t = torch?.[`${what}_ms`];
        const vsTorch = (ms: number) => (t === undefined ? 'torch not installed' : `${(ms / t).toFixed(2)}× torch float32 (${t.toPrecision(3)} ms, ${torch!.threads} thread${torch!.threads === 1 ? '' : 's'})`);
        rows.push({ name: `engines ${label}: ${what}, tfjs (${backend})`, value: tfjs[what], unit: 'ms', detail: `${detail}; ${vsTorch(tfjs[what])}` });
        rows.push({ name: `engines ${label}: ${what}, typed float64`, value: f64[what], unit: 'ms', detail: `${detail}; ${vsTorch(f64[what])}; target ≤ 2×` });
      }
      if (label === '1e5') {
        let hvpMs = 0;
        const start = performance.now();
        const result = lanczos((x) => {
          const t0 = performance.now();
          const out = Array.from(typed.hvp(x));
          hvpMs += performance.now() - t0;
          return out;
        }, typed.size, { steps: 60, tolerance: 1e-8, seed: 2 });
        const total = performance.now() - start;
        rows.push({ name: 'Lanczos 1e5 (typed float64): total', value: total, unit: 'ms', detail: `${result.matvecs} HVPs, residual ${result.residual.toExponential(2)}, converged ${result.converged}` });
        rows.push({ name: 'Lanczos 1e5 (typed float64): outside the HVPs', value: total - hvpMs, unit: 'ms', detail: `reorthogonalisation and Ritz values; HVPs ${hvpMs.toFixed(0)} ms` });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `flatcheck witness hessian` end to end (the CLI, its start-up included) on
 * a 16-96-80-4 MLP (~1e4 parameters, 64 samples) whose weights and data are
 * float32 values written as JSON decimals, as a trained network's are.
 */
function witnessTimes(): void {
  const dir = mkdtempSync(join(tmpdir(), 'flatcheck-bench-witness-'));
  const toFloat32 = (x: unknown) => (typeof x === 'number' ? Math.fround(x) : x);
  const raw = randomNetwork({ inputSize: 16, hidden: [96, 80], outputSize: 4, activation: 'relu', bias: true }, 13);
  const net = { ...raw, layers: raw.layers.map((l) => ({ ...l, weights: l.weights.map((r) => r.map(toFloat32)), ...(l.bias ? { bias: l.bias.map(toFloat32) } : {}) })) };
  const data = randomDataset({ inputSize: 16, outputSize: 4, samples: 64, loss: 'mse' }, 14);
  writeFileSync(join(dir, 'net.json'), JSON.stringify({ format: 'flatcheck.network/v1', ...net }));
  writeFileSync(join(dir, 'data.json'), JSON.stringify({ format: 'flatcheck.dataset/v1', ...data, inputs: data.inputs.map((r) => r.map(toFloat32)), targets: (data.targets as unknown[]).map((r) => (Array.isArray(r) ? r.map(toFloat32) : r)) }));
  const bin = new URL('../bin/flatcheck.mjs', import.meta.url).pathname;
  try {
    const start = performance.now();
    const out = JSON.parse(execFileSync(process.execPath, [bin, 'witness', 'hessian', '--net', join(dir, 'net.json'), '--data', join(dir, 'data.json'), '--bound', '1e12', '--json'], { encoding: 'utf8' })) as { certificate: { holds: boolean } };
    const seconds = (performance.now() - start) / 1000;
    rows.push({ name: `witness hessian, ${parameterCount(shapeOf(raw))} params`, value: seconds, unit: 's', detail: `64 samples, float32 weights, bound 1e12; certificate holds: ${String(out.certificate.holds)}; target ≤ 60 s` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** terminatingField counting its arithmetic results, and those off its fast path: Fractions, or BigInt mantissas. */
function countingField(): { F: Field<ExactValue>; counts: { ops: number; fractions: number; bigints: number } } {
  const T = terminatingField;
  const counts = { ops: 0, fractions: 0, bigints: 0 };
  const count = (r: ExactValue) => {
    counts.ops++;
    if (!(r instanceof Terminating)) counts.fractions++;
    else if (typeof r.m === 'bigint') counts.bigints++;
    return r;
  };
  return { counts, F: { ...T, add: (a, b) => count(T.add(a, b)), sub: (a, b) => count(T.sub(a, b)), mul: (a, b) => count(T.mul(a, b)), div: (a, b) => count(T.div(a, b)) } };
}

/**
 * lossHessianV2's one pass, in its three parts: the forward pass in vector
 * dual numbers carrying all P unit tangents (recorded), the backward pass,
 * and the deferred mse constant 2/(N·O) applied to every entry. `marks`
 * receives the time after each part (for operation counts).
 */
function hessianParts(F: Field<ExactValue>, net: NetworkV2<ExactValue>, data: Dataset<ExactValue>, mark = () => {}): { forwardMs: number; backwardMs: number; constantMs: number } {
  const P = parameterCountV2(net);
  const D = vectorDualField(F);
  const constant = (x: ExactValue): VectorDual<ExactValue> => ({ value: x, tangent: null });
  const unit = (i: number) => Array.from({ length: P }, (_, j) => (i === j ? F.one : F.zero));
  const moving = unflattenV2(mapNetworkV2(net, constant), flattenV2(net).map((x, i) => ({ value: x, tangent: unit(i) })));
  const dual = mapDataset(data, constant);
  const t0 = performance.now();
  const { outputs, backward } = recordV2(D, moving, dual.inputs, P);
  mark();
  const t1 = performance.now();
  const gradient = backward(outputDerivatives(D, dual, outputs, false).map((d) => d.gradient));
  mark();
  const t2 = performance.now();
  const c = D.div(D.fromScalar(2), D.fromScalar(outputs.length * outputs[0]!.length));
  gradient.map((g) => D.mul(c, g));
  return { forwardMs: t1 - t0, backwardMs: t2 - t1, constantMs: performance.now() - t2 };
}

/**
 * The v2 engine in the exact (terminating) field. (i) Forward pass + loss of
 * 1×8×8 → conv(4, 3×3) → relu → maxpool 2 → conv(4, 3×3) → relu → flatten →
 * dense(3) on 8 samples, over 40 seeded networks. (ii) The exact Hessian
 * (lossHessianV2: one gradient pass in vector dual numbers) of the same net
 * with a 2×2 average or max pool, and where its time goes: the forward,
 * backward and mse-constant parts, their base-field operations (the
 * forward's by layer type, by differences of prefix networks), and the share
 * of results off the fast path (Fractions, BigInt mantissas). (iii) One HVP
 * with a 2×2 average pool against a 3×3 one of stride 1 (÷9: values leave
 * the 2^a·5^b fast path).
 */
function v2Engine(): void {
  const T = terminatingField;
  const spec = (pool: PoolSpec): NetworkV2Spec => ({ architecture: 'cnn', inputShape: [1, 8, 8], stages: [{ width: 4, kernel: 3, pool }, { width: 4, kernel: 3 }], outputSize: 3, activation: 'relu', bias: true });
  const prepared = Array.from({ length: 40 }, (_, seed) => {
    const raw = randomNetworkV2(spec({ type: 'maxpool2d', size: 2 }), seed);
    return [networkV2In(T, raw), datasetIn(T, randomDatasetV2(raw, { samples: 8, loss: 'mse' }, 1000 + seed))] as const;
  });
  for (const [net, data] of prepared.slice(0, 5)) lossV2(T, net, data); // warm-up
  const start = performance.now();
  for (const [net, data] of prepared) lossV2(T, net, data);
  rows.push({ name: 'v2 exact forward + loss, 1×8×8 cnn', value: prepared.length / ((performance.now() - start) / 1000), unit: 'cases/s', detail: `${parameterCountV2(prepared[0]![0])} params, 8 samples, terminating field; target ≥ 50` });

  const offPath = (counts: { ops: number; fractions: number; bigints: number }) => ({
    share: (100 * (counts.fractions + counts.bigints)) / counts.ops,
    detail: `of ${counts.ops} base-field results: ${((100 * counts.fractions) / counts.ops).toFixed(1)}% Fractions, ${((100 * counts.bigints) / counts.ops).toFixed(1)}% BigInt mantissas`,
  });
  for (const [label, pool] of [['avgpool 2×2', { type: 'avgpool2d', size: 2 }], ['maxpool 2×2', { type: 'maxpool2d', size: 2 }]] as const) {
    const raw = randomNetworkV2(spec(pool), 1);
    const rawData = randomDatasetV2(raw, { samples: 8, loss: 'mse' }, 2);
    const P = parameterCountV2(raw);
    const t0 = performance.now();
    lossHessianV2(T, networkV2In(T, raw), datasetIn(T, rawData));
    rows.push({ name: `v2 exact Hessian, ${label}`, value: performance.now() - t0, unit: 'ms', detail: `${P} params, 8 samples, lossHessianV2` });
    const parts = hessianParts(T, networkV2In(T, raw), datasetIn(T, rawData));
    // Operation counts, in a counting copy of the field, split where the parts end.
    const { F, counts } = countingField();
    const net = networkV2In(F, raw);
    const data = datasetIn(F, rawData);
    const ends: number[] = [];
    hessianParts(F, net, data, () => ends.push(counts.ops));
    const [forwardOps, backwardEnd] = ends as [number, number];
    const off = offPath(counts);
    const allOps = counts.ops;
    const perType = new Map<string, number>();
    let before = 0;
    raw.layers.forEach((layer, k) => {
      counts.ops = 0;
      forwardOnly(F, { inputShape: net.inputShape, layers: net.layers.slice(0, k + 1) }, data, P);
      perType.set(layer.type, (perType.get(layer.type) ?? 0) + counts.ops - before);
      before = counts.ops;
    });
    const split = [...perType.entries()].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${((100 * n) / forwardOps).toFixed(0)}%`).join(', ');
    const total = parts.forwardMs + parts.backwardMs + parts.constantMs;
    const share = (ms: number, n: number) => `${((100 * ms) / total).toFixed(0)}% of the pass, ${n} base-field ops`;
    rows.push({ name: `v2 exact Hessian, ${label}: forward`, value: parts.forwardMs, unit: 'ms', detail: `${share(parts.forwardMs, forwardOps)}; by layer: ${split}` });
    rows.push({ name: `v2 exact Hessian, ${label}: backward`, value: parts.backwardMs, unit: 'ms', detail: share(parts.backwardMs, backwardEnd - forwardOps) });
    rows.push({ name: `v2 exact Hessian, ${label}: mse constant`, value: parts.constantMs, unit: 'ms', detail: `${share(parts.constantMs, allOps - backwardEnd)}: ×2/${rawData.inputs.length * 3} on each of P² entries, off the fast path` });
    rows.push({ name: `v2 exact Hessian, ${label}: off the fast path`, value: off.share, unit: '%', detail: off.detail });
  }
  // Leaving the fast path: one HVP (P of them made the Hessian before the vector-dual pass; that Hessian takes minutes here).
  for (const [label, pool] of [['avgpool 2×2', { type: 'avgpool2d', size: 2 }], ['avgpool 3×3/1 (÷9)', { type: 'avgpool2d', size: 3, stride: 1 }]] as const) {
    const raw = randomNetworkV2(spec(pool), 1);
    const rawData = randomDatasetV2(raw, { samples: 8, loss: 'mse' }, 2);
    const v = Array.from({ length: parameterCountV2(raw) }, (_, i) => T.fromScalar(((i % 7) - 3) / 4));
    const ms = timeIt(() => lossHessianVectorProductV2(T, networkV2In(T, raw), datasetIn(T, rawData), v), 2000);
    const { F, counts } = countingField();
    lossHessianVectorProductV2(F, networkV2In(F, raw), datasetIn(F, rawData), v);
    const off = offPath(counts);
    rows.push({ name: `v2 exact HVP, ${label}`, value: ms, unit: 'ms', detail: `${parameterCountV2(raw)} params, 8 samples; off the fast path ${off.share.toFixed(1)}% ${off.detail}` });
  }
}

/** The median time (ms) of each function over `runs` rounds, the functions alternating so that they share the machine's load. */
function interleavedMedians(fs: (() => void)[], runs = 21): number[] {
  fs.forEach((f) => f());
  const samples = fs.map((): number[] => []);
  for (let r = 0; r < runs; r++) {
    fs.forEach((f, k) => {
      const t0 = performance.now();
      f();
      samples[k]!.push(performance.now() - t0);
    });
  }
  return samples.map((xs) => xs.sort((a, b) => a - b)[Math.floor(runs / 2)]!);
}

/**
 * The tfjs v2 engine (TensorProblemV2) on ~1e5-parameter conv nets, input →
 * conv 16 → relu → maxpool 2 → conv 32 → relu → flatten → dense → relu →
 * dense 10, 64 samples, mse: loss, gradient and HVP medians.
 */
async function tensorV2(): Promise<void> {
  const backend = await initTensorBackend();
  for (const [label, inputShape, hidden] of [['1×28×28', [1, 28, 28], 25], ['3×16×16', [3, 16, 16], 122]] as const) {
    const cnn = randomNetworkV2({ architecture: 'cnn', inputShape: [...inputShape], stages: [{ width: 16, kernel: 3, pool: { type: 'maxpool2d', size: 2 } }, { width: 32, kernel: 3 }], outputSize: hidden, activation: 'relu', bias: true }, 5);
    const head = randomNetworkV2({ architecture: 'mlp', inputShape: [hidden], stages: [], outputSize: 10, activation: 'relu', bias: true }, 6);
    const raw: NetworkV2<Scalar> = { inputShape: cnn.inputShape, layers: [...cnn.layers, { type: 'activation', activation: 'relu' }, ...head.layers] };
    const net = networkV2In(float64Field, raw);
    const data = datasetIn(float64Field, randomDatasetV2(raw, { samples: 64, loss: 'mse' }, 7));
    const before = tf.memory().numTensors;
    const problem = new TensorProblemV2(net, data);
    const v = Array.from({ length: problem.size }, (_, i) => Math.sin(i));
    const [lossMs, gradientMs, hvpMs] = interleavedMedians([() => problem.loss(), () => problem.gradient(), () => problem.hvp(v)]) as [number, number, number];
    problem.dispose();
    if (tf.memory().numTensors !== before) throw new Error('tensor leak in the tensor-v2 benchmark');
    const detail = `${problem.size} params, 64 samples, mse, ${backend}, median of 21 (loss, gradient and HVP interleaved)`;
    rows.push({ name: `tfjs v2 cnn ${label}: forward+loss`, value: lossMs, unit: 'ms', detail });
    rows.push({ name: `tfjs v2 cnn ${label}: gradient`, value: gradientMs, unit: 'ms', detail });
    rows.push({ name: `tfjs v2 cnn ${label}: HVP`, value: hvpMs, unit: 'ms', detail });
    rows.push({ name: `tfjs v2 cnn ${label}: HVP / gradient`, value: hvpMs / gradientMs, unit: 'ratio', detail: 'target ≤ 3' });
  }
}

/** The vector-dual forward pass alone (the recording, without its backward), for operation counts; P tangents as in the whole network. */
function forwardOnly(F: Field<ExactValue>, net: NetworkV2<ExactValue>, data: Dataset<ExactValue>, P: number): void {
  const D = vectorDualField(F);
  const constant = (x: ExactValue): VectorDual<ExactValue> => ({ value: x, tangent: null });
  const theta = flattenV2(net);
  const moving = unflattenV2(mapNetworkV2(net, constant), theta.map((x, i) => ({ value: x, tangent: Array.from({ length: P }, (_, j) => (i === j ? F.one : F.zero)) })));
  recordV2(D, moving, mapDataset(data, constant).inputs, theta.length);
}

// `npm run bench -- cli` runs the named sections only; no names, all of them.
const SECTIONS: Record<string, () => unknown> = {
  equivalence: exactEquivalenceCasesPerSecond,
  battery: batteryTimes,
  certificates: certificateCasesPerSecond,
  maximiser: maximiserCost,
  forward: forwardPasses,
  tensor: tensorDerivatives,
  lanczos: lanczosVersusDense,
  hessian: exactHessianTimes,
  fields: exactFieldTimes,
  engines: engineTimes,
  witness: witnessTimes,
  cli: cliStartup,
  exec: () => execBenchmarks(rows),
  v2: v2Engine,
  'tensor-v2': tensorV2,
};
const chosen = process.argv.slice(2);
for (const name of chosen) if (!(name in SECTIONS)) throw new Error(`unknown bench section "${name}" (expected one of ${Object.keys(SECTIONS).join(', ')})`);
for (const [name, section] of Object.entries(SECTIONS)) if (chosen.length === 0 || chosen.includes(name)) await section();
const width = Math.max(...rows.map((r) => r.name.length));
for (const r of rows) console.log(`${r.name.padEnd(width)}  ${r.value.toPrecision(4).padStart(10)} ${r.unit.padEnd(8)} ${r.detail}`);
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`);
