// Containment and sizes: a metric module cannot run flatcheck's process out of memory off the heap,
// nor abort it; dense matrices that would not fit are refused by name before any work.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { float64Field, rationalField as Q } from '../field/index.js';
import { datasetIn, networkIn, randomDataset, randomNetwork, parameterCount, shapeOf } from '../network/index.js';
import { lossHessian } from '../autodiff/derivatives.js';
import { Float64Problem } from '../autodiff/typed.js';
import { symmetricEigenvalues } from '../curvature/spectral.js';
import { denseLimit, EXACT_ENTRY_BYTES, FLOAT_ENTRY_BYTES } from '../linalg/dense.js';
import { checkMetric } from './battery.js';
import { main } from '../cli/main.js';

describe('a metric module is contained in its worker', () => {
  it('off-heap growth (Buffers, which no heap limit sees) past the memory limit is an error verdict, and the battery goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flatcheck-containment-'));
    try {
      const file = join(dir, 'buffers.mjs');
      writeFileSync(file, 'const kept = [];\nexport default { id: "buffers", evaluate: () => { for (;;) kept.push(Buffer.alloc(32 * 2 ** 20, 1)); } };\n');
      const report = await checkMetric(file, { families: ['permutation'], runs: 2, memoryLimitMb: 512, timeLimitMs: 60_000 });
      expect(report.families.permutation!.verdict).toBe('error');
      expect(report.families.permutation!.error).toMatch(/used more than 512 MiB of memory \(\d+ MiB beyond flatcheck's own, off-heap buffers included\)/);
      const aborts = join(dir, 'aborts.mjs');
      writeFileSync(aborts, 'export default { id: "aborts", evaluate: () => { process.abort(); return 1; } };\n');
      const r = await checkMetric(aborts, { families: ['permutation'], runs: 2 });
      expect(r.families.permutation!.error).toContain("a metric may not abort flatcheck's process");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('dense matrices are size-checked before any work', () => {
  it('an exact, a float64 and a typed-engine Hessian, and an eigendecomposition, past their memory are refused naming the size and the alternatives', () => {
    const exactLimit = denseLimit(EXACT_ENTRY_BYTES);
    // 70 inputs, 66 hidden units, 1 output: 4 753 parameters, just past the exact limit (4 633).
    const raw = randomNetwork({ inputSize: 70, hidden: [66], outputSize: 1, activation: 'relu', bias: true }, 1);
    const data = randomDataset({ inputSize: 70, outputSize: 1, samples: 1, loss: 'mse' }, 2);
    expect(parameterCount(shapeOf(raw))).toBeGreaterThan(exactLimit);
    expect(() => lossHessian(Q, networkIn(Q, raw), datasetIn(Q, data))).toThrow(`network: expected at most ${exactLimit} parameters for a dense rational Hessian`);
    const floatLimit = denseLimit(FLOAT_ENTRY_BYTES);
    const wide = randomNetwork({ inputSize: 100, hidden: [170], outputSize: 1, activation: 'relu', bias: true }, 3);
    const wideData = datasetIn(float64Field, randomDataset({ inputSize: 100, outputSize: 1, samples: 1, loss: 'mse' }, 4));
    const net = networkIn(float64Field, wide);
    expect(parameterCount(shapeOf(wide))).toBeGreaterThan(floatLimit);
    expect(() => lossHessian(float64Field, net, wideData)).toThrow(/at most 16384 parameters for a dense float64 Hessian .*use Hessian-vector products instead/);
    expect(() => new Float64Problem(net, wideData).hessian()).toThrow('at most 16384 parameters for a dense Hessian');
    expect(() => symmetricEigenvalues(Array.from({ length: 23_171 }, () => []))).toThrow('for a dense eigendecomposition');
  });

  it('eval --metric hessian-trace --engine float64 on a 1e6-parameter network: the diagonal, not a dense Hessian (that aborted with out-of-memory)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flatcheck-million-'));
    try {
      const raw = randomNetwork({ inputSize: 1000, hidden: [999], outputSize: 1, activation: 'relu', bias: true }, 5);
      expect(parameterCount(shapeOf(raw))).toBeGreaterThan(1_000_000);
      writeFileSync(join(dir, 'net.json'), JSON.stringify({ format: 'flatcheck.network/v1', ...raw }));
      writeFileSync(join(dir, 'data.json'), JSON.stringify({ format: 'flatcheck.dataset/v1', ...randomDataset({ inputSize: 1000, outputSize: 1, samples: 2, loss: 'mse' }, 6) }));
      const out: string[] = [];
      const code = await main(['eval', '--net', join(dir, 'net.json'), '--data', join(dir, 'data.json'), '--metric', 'hessian-trace', '--engine', 'float64', '--json'], { out: (t) => out.push(t), err: (t) => out.push(t) });
      expect(code, out.join('\n')).toBe(0);
      const result = JSON.parse(out.join('\n')) as { value: number; method: string };
      expect(result.method).toBe('diagonal');
      expect(Number.isFinite(result.value) && result.value > 0).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
