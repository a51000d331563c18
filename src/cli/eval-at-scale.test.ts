// eval above the dense limit: Hessian metrics from Hessian-vector products
// (Lanczos, Hutch++, Hutchinson) or the diagonal alone, each saying which
// method it used, checked against the dense computation; sizes the exact
// engine cannot hold are refused by name; no recursion grows with P.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLOAT32_UNIT_ROUNDOFF as u32, FLOAT64_UNIT_ROUNDOFF as u64, float64Field } from '../field/index.js';
import { datasetIn, networkIn, parameterCount, randomDataset, randomNetwork, shapeOf } from '../network/index.js';
import { lossGradient, lossHessian } from '../autodiff/derivatives.js';
import { hessianErrorBound } from '../autodiff/bounds.js';
import { denseTrace, frobeniusNorm, spectralNorm } from '../curvature/spectral.js';
import { main } from './main.js';
import { DENSE_LIMIT, EXACT_DENSE_LIMIT } from './commands/eval.js';

// Made when the file loads: the describe block below builds its arguments from these paths.
const dir = mkdtempSync(join(tmpdir(), 'flatcheck-eval-scale-'));
const file = (name: string) => join(dir, name);

async function evaluate(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['eval', ...argv, '--json'], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, json: code === 0 ? (JSON.parse(out.join('\n')) as { value: number | string; method?: string; residual?: number; standardError?: number; approx?: number }) : undefined, err: err.join('\n') };
}

// 24-40-2 on 16 inputs: 1 762 parameters, above both limits.
const raw = randomNetwork({ inputSize: 16, hidden: [40, 24], outputSize: 2, activation: 'relu', bias: true }, 21);
const rawData = randomDataset({ inputSize: 16, outputSize: 2, samples: 12, loss: 'mse' }, 22);
const P = parameterCount(shapeOf(raw));

beforeAll(() => {
  writeFileSync(file('net.json'), JSON.stringify({ format: 'flatcheck.network/v1', ...raw }));
  writeFileSync(file('data.json'), JSON.stringify({ format: 'flatcheck.dataset/v1', ...rawData }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(`eval above ${DENSE_LIMIT} parameters`, () => {
  const net = networkIn(float64Field, raw);
  const data = datasetIn(float64Field, rawData);
  const H = lossHessian(float64Field, net, data);
  const bound = hessianErrorBound(net, data, { u: u64 });
  const args = ['--net', file('net.json'), '--data', file('data.json')];

  it('the network is above both limits', () => {
    expect(P).toBeGreaterThan(Math.max(DENSE_LIMIT, EXACT_DENSE_LIMIT));
  });

  it('float64 spectral norm: Lanczos, within its residual bound (plus rounding) of the dense eigenvalues', async () => {
    const r = await evaluate(...args, '--metric', 'hessian-spectral-norm', '--engine', 'float64');
    expect(r.json?.method, r.err).toBe('lanczos');
    const rounding = frobeniusNorm(bound) + 10 * P * u64 * frobeniusNorm(H);
    expect(Math.abs((r.json!.value as number) - spectralNorm(H))).toBeLessThanOrEqual(r.json!.residual! + rounding);
  });

  it('float64 trace: the diagonal alone, equal to the dense trace within the bound; exact trace in rationals at any size', async () => {
    const r = await evaluate(...args, '--metric', 'hessian-trace', '--engine', 'float64');
    expect(r.json?.method).toBe('diagonal');
    const traceBound = 2 * bound.reduce((s, row, i) => s + row[i]!, 0);
    expect(Math.abs((r.json!.value as number) - denseTrace(H))).toBeLessThanOrEqual(traceBound);
    const exact = await evaluate(...args, '--metric', 'hessian-trace', '--engine', 'rational');
    expect(exact.code).toBe(0);
    expect(Math.abs(exact.json!.approx! - denseTrace(H))).toBeLessThanOrEqual(traceBound);
  });

  it('Frobenius norm: a Hutchinson estimate within 5 of its standard errors; tfjs spectral norm within Lanczos residual plus the float32 bound', async () => {
    const f = await evaluate(...args, '--metric', 'hessian-frobenius', '--engine', 'float64');
    expect(f.json?.method).toBe('hutchinson');
    expect(Math.abs((f.json!.value as number) - frobeniusNorm(H))).toBeLessThanOrEqual(5 * f.json!.standardError!);
    const t = await evaluate(...args, '--metric', 'hessian-spectral-norm', '--engine', 'tfjs');
    expect(t.json?.method).toBe('lanczos');
    const b32 = hessianErrorBound(net, data, { u: u32, inputPerturbation: u32 });
    expect(Math.abs((t.json!.value as number) - spectralNorm(H))).toBeLessThanOrEqual(t.json!.residual! + frobeniusNorm(b32) + frobeniusNorm(bound));
  });

  it('the exact dense Hessian is refused by size, naming --net, the size and the alternatives (exit 2)', async () => {
    const r = await evaluate(...args, '--metric', 'hessian-frobenius', '--engine', 'rational');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--net: expected at most ${EXACT_DENSE_LIMIT} parameters`);
    expect(r.err).toContain(`got "${P} parameters"`);
    expect(r.err).toContain('--engine float64 or tfjs');
  });

  it('gradient norm at 131 000 parameters: no argument spread overflows the stack', async () => {
    const wide = randomNetwork({ inputSize: 256, hidden: [256, 252], outputSize: 4, activation: 'relu', bias: true }, 5);
    const wideData = randomDataset({ inputSize: 256, outputSize: 4, samples: 2, loss: 'mse' }, 6);
    expect(parameterCount(shapeOf(wide))).toBeGreaterThan(131_000);
    writeFileSync(file('wide.json'), JSON.stringify({ format: 'flatcheck.network/v1', ...wide }));
    writeFileSync(file('wide-data.json'), JSON.stringify({ format: 'flatcheck.dataset/v1', ...wideData }));
    const r = await evaluate('--net', file('wide.json'), '--data', file('wide-data.json'), '--metric', 'gradient-norm', '--engine', 'float64');
    expect(r.code, r.err).toBe(0);
    const g = lossGradient(float64Field, networkIn(float64Field, wide), datasetIn(float64Field, wideData));
    const norm = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
    expect(Math.abs((r.json!.value as number) - norm)).toBeLessThanOrEqual(1e-10 * norm);
  });
});
