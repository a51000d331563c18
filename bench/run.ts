/**
 * Benchmarks (never timed assertions in tests): prints a table and writes
 * bench/results.json. Run with `npm run bench`.
 */
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { fitDataset, fitSymmetry, networkArbitrary, rawDatasetArbitrary, rawSymmetryArbitrary } from '../src/arbitraries/index.js';
import { float64Field, rationalField } from '../src/field/index.js';
import { datasetIn, flatten, forward, networkIn, parameterCount, randomDataset, randomNetwork, shapeOf, unflatten } from '../src/network/index.js';
import { applyMap, symmetryMap } from '../src/symmetry/index.js';
import { initTensorBackend, tensorForward, tf } from '../src/tensor/index.js';

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

exactEquivalenceCasesPerSecond();
await forwardPasses();
const width = Math.max(...rows.map((r) => r.name.length));
for (const r of rows) console.log(`${r.name.padEnd(width)}  ${r.value.toPrecision(4).padStart(10)} ${r.unit.padEnd(8)} ${r.detail}`);
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`);
