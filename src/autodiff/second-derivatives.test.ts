// Second derivatives where φ″ ≠ 0 (tanh, softplus) and through the softmax:
// forward-over-reverse in any field, checked against the closed form, a
// hand-derived Hessian, 64-digit arithmetic, and TensorFlow.js within the
// derived bound.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bigNumberField as B, FLOAT32_UNIT_ROUNDOFF as u32, FLOAT64_UNIT_ROUNDOFF as u64, float64Field, rationalField as Q, type Big } from '../field/index.js';
import { fitDataset, networkArbitrary, offKinks, rawDatasetArbitrary, runs } from '../arbitraries/index.js';
import { datasetIn, networkIn, parseDataset, parseNetwork, randomDataset, randomNetwork, shapeOf } from '../network/index.js';
import { denseTrace, frobeniusNorm, spectralNorm } from '../curvature/index.js';
import { initTensorBackend, tensorHessian, tf } from '../tensor/index.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main.js';
import { hessianErrorBound } from './bounds.js';
import { hessianByProducts, lossHessian, lossHessianDiagonal, lossHessianVectorProduct } from './derivatives.js';

beforeAll(async () => {
  await initTensorBackend();
});

/** tfjs's own tanh, softplus and log-sum-exp: what the engine used before (their double backprop drops terms). */
const TFJS_OWN = { tanh: tf.tanh, softplus: tf.softplus, logSumExp: (x: tf.Tensor2D) => tf.logSumExp(x, 1) as tf.Tensor1D };

/** Every |a − b| ≤ bound, entrywise. */
function withinBound(a: number[][], b: number[][], bound: number[][]): boolean {
  return a.every((row, i) => row.every((v, j) => Math.abs(v - b[i]![j]!) <= bound[i]![j]!));
}

const add = (x: number[][], y: number[][]) => x.map((row, i) => row.map((v, j) => v + y[i]![j]!));

describe('forward-over-reverse Hessians (dual numbers over any field)', () => {
  it('equal the closed-form Hessian exactly in rationals on piecewise-linear networks', () => {
    let checked = 0;
    fc.assert(
      fc.property(networkArbitrary({ maxHidden: 3, maxWidth: 4, maxInput: 3, maxOutput: 2 }), rawDatasetArbitrary({ maxSamples: 3 }), (raw, rawData) => {
        const net = networkIn(Q, raw);
        const data = datasetIn(Q, fitDataset(rawData, shapeOf(raw)));
        const closed = offKinks(() => lossHessian(Q, net, data));
        const products = hessianByProducts(Q, net, data);
        checked++;
        expect(products.every((row, i) => row.every((v, j) => v.equals(closed[i]![j]!)))).toBe(true);
      }),
      runs(40),
    );
    expect(checked).toBeGreaterThan(runs(40).numRuns / 2);
  });

  it('the Hessian diagonal alone (O(N·O·P)) equals the diagonal of the full Hessian: exactly in rationals, and in 64 digits for cross-entropy', () => {
    fc.assert(
      fc.property(networkArbitrary({ maxHidden: 3, maxWidth: 4, maxInput: 3, minOutput: 2, maxOutput: 3 }), rawDatasetArbitrary({ maxSamples: 3 }), fc.constantFrom('mse' as const, 'cross-entropy' as const), (raw, rawData, loss) => {
        const dataset = fitDataset(rawData, shapeOf(raw), loss);
        if (loss === 'mse') {
          const net = networkIn(Q, raw);
          const data = datasetIn(Q, dataset);
          const full = offKinks(() => lossHessian(Q, net, data));
          expect(lossHessianDiagonal(Q, net, data).every((v, p) => v.equals(full[p]![p]!))).toBe(true);
        } else {
          const net = networkIn(B, raw);
          const data = datasetIn(B, dataset);
          const full = offKinks(() => lossHessian(B, net, data));
          lossHessianDiagonal(B, net, data).forEach((v, p) => expect(Math.abs(v.sub(full[p]![p]!).toNumber())).toBeLessThan(1e-50));
        }
      }),
      runs(40),
    );
  });

  it('a 1-1-1 tanh network at x = 0.5: the Hessian derived by hand, in 64 digits, in float64 and in tfjs', () => {
    // f = w₂·tanh(w₁x + b₁) + b₂, L = (f − y)², θ = (w₁, b₁, w₂, b₂).
    const [w1, b1, w2, b2, x, y] = [1.5, -0.25, 0.8, 0.1, 0.5, 0.3];
    const raw = parseNetwork({ format: 'flatcheck.network/v1', inputSize: 1, layers: [{ weights: [[w1]], bias: [b1], activation: 'tanh' }, { weights: [[w2]], bias: [b2], activation: 'linear' }] });
    const rawData = parseDataset({ format: 'flatcheck.dataset/v1', loss: 'mse', inputs: [[x]], targets: [[y]] });
    const big = (v: number) => B.fromScalar(v);
    const t = big(w1 * x + b1).tanh() as Big;
    const d1 = big(1).sub(t.mul(t)); // tanh′
    const d2 = t.mul(d1).mul(-2); // tanh″
    const r = big(w2).mul(t).add(b2).sub(y);
    const X = big(x);
    // ∂L/∂w₁ = 2r w₂ t′ x, ∂L/∂b₁ = 2r w₂ t′, ∂L/∂w₂ = 2r t, ∂L/∂b₂ = 2r; each differentiated again.
    const gw1 = [X, big(1)]; // ∂z/∂w₁, ∂z/∂b₁
    const H: Big[][] = [[], [], [], []];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) H[i]![j] = big(2).mul(big(w2).mul(d1).pow(2).add(r.mul(w2).mul(d2))).mul(gw1[i]!).mul(gw1[j]!);
      H[i]![2] = H[2]![i] = big(2).mul(t.mul(w2).mul(d1).add(r.mul(d1))).mul(gw1[i]!); // ∂²/∂w₂∂(w₁|b₁)
      H[i]![3] = H[3]![i] = big(2).mul(w2).mul(d1).mul(gw1[i]!);
    }
    H[2]![2] = big(2).mul(t.mul(t));
    H[2]![3] = H[3]![2] = big(2).mul(t);
    H[3]![3] = big(2);
    const exact = H.map((row) => row.map((v) => v.toNumber()));

    const H64 = lossHessian(B, networkIn(B, raw), datasetIn(B, rawData));
    H64.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v.sub(H[i]![j]!).toNumber()), `64-digit H[${i}][${j}]`).toBeLessThan(1e-60)));

    const net = networkIn(float64Field, raw);
    const data = datasetIn(float64Field, rawData);
    const b64 = hessianErrorBound(net, data, { u: u64 });
    const b32 = hessianErrorBound(net, data, { u: u32, inputPerturbation: u32 });
    expect(withinBound(lossHessian(float64Field, net, data), exact, b64)).toBe(true);
    const f32 = tensorHessian(net, data).hessian;
    expect(withinBound(f32, exact, b32)).toBe(true);
    expect(Math.abs(denseTrace(f32) - denseTrace(exact))).toBeLessThanOrEqual(b32.reduce((s, row, i) => s + row[i]!, 0));
    // The engine as it was: the tanh·tanh″ term missing, far outside the bound.
    expect(withinBound(tensorHessian(net, data, TFJS_OWN).hessian, exact, b32)).toBe(false);
  });

  it('a 4-8-8-2 tanh network: float64 against 64 digits, tfjs against float64, entrywise and in trace, Frobenius and spectral norm', () => {
    const raw = randomNetwork({ inputSize: 4, hidden: [8, 8], outputSize: 2, activation: 'tanh', bias: true }, 3);
    const rawData = randomDataset({ inputSize: 4, outputSize: 2, samples: 16, loss: 'mse' }, 4);
    const net = networkIn(float64Field, raw);
    const data = datasetIn(float64Field, rawData);
    const H = lossHessian(float64Field, net, data);
    const b64 = hessianErrorBound(net, data, { u: u64 });
    // Three columns in 64-digit arithmetic (a whole 130 × 130 Hessian there takes minutes).
    const bigNet = networkIn(B, raw);
    const bigData = datasetIn(B, rawData);
    for (const j of [0, 57, 129]) {
      const column = lossHessianVectorProduct(B, bigNet, bigData, H.map((_, i) => (i === j ? B.one : B.zero)));
      column.forEach((v, i) => expect(Math.abs(H[i]![j]! - v.toNumber()), `H[${i}][${j}]`).toBeLessThanOrEqual(b64[i]![j]!));
    }
    const f32 = tensorHessian(net, data).hessian;
    const bound = add(hessianErrorBound(net, data, { u: u32, inputPerturbation: u32 }), b64);
    expect(withinBound(f32, H, bound)).toBe(true);
    // Summaries: the trace within the summed diagonal bound; norms within ‖bound‖_F (Weyl / triangle inequality) plus the eigensolver's own error.
    expect(Math.abs(denseTrace(f32) - denseTrace(H))).toBeLessThanOrEqual(bound.reduce((s, row, i) => s + row[i]!, 0));
    expect(Math.abs(frobeniusNorm(f32) - frobeniusNorm(H))).toBeLessThanOrEqual(frobeniusNorm(bound));
    const solver = 10 * H.length ** 2 * u64 * frobeniusNorm(H);
    expect(Math.abs(spectralNorm(f32) - spectralNorm(H))).toBeLessThanOrEqual(frobeniusNorm(bound) + 2 * solver);
    // Before the fix the tfjs trace was several percent off; the same comparison catches it.
    const old = tensorHessian(net, data, TFJS_OWN).hessian;
    expect(withinBound(old, H, bound)).toBe(false);
    expect(Math.abs(denseTrace(old) - denseTrace(H)) / Math.abs(denseTrace(H))).toBeGreaterThan(0.01);
    expect(tf.memory().numTensors).toBeLessThan(50);
  });

  it('flatcheck eval: Hessian metrics of a tanh network on cross-entropy data in float64 and tfjs (tfjs used to throw) agree within the bound', async () => {
    const network = { format: 'flatcheck.network/v1', inputSize: 2, layers: [{ weights: [[1, -0.5], [0.75, 2]], bias: [0, 0.3], activation: 'tanh' }, { weights: [[1, -1], [0.5, 0.25]], activation: 'linear' }] };
    const dataset = { format: 'flatcheck.dataset/v1', loss: 'cross-entropy', inputs: [[1, 3], [0.5, -1]], targets: [0, 1] };
    const dir = mkdtempSync(join(tmpdir(), 'flatcheck-smooth-'));
    try {
      writeFileSync(join(dir, 'net.json'), JSON.stringify(network));
      writeFileSync(join(dir, 'data.json'), JSON.stringify(dataset));
      const evaluate = async (engine: string) => {
        const out: string[] = [];
        const code = await main(['eval', '--net', join(dir, 'net.json'), '--data', join(dir, 'data.json'), '--metric', 'hessian-trace', '--engine', engine, '--json'], { out: (t) => out.push(t), err: (t) => out.push(t) });
        expect(code, out.join('\n')).toBe(0);
        return (JSON.parse(out.join('\n')) as { value: number }).value;
      };
      const net = networkIn(float64Field, parseNetwork(network));
      const data = datasetIn(float64Field, parseDataset(dataset));
      const b = add(hessianErrorBound(net, data, { u: u32, inputPerturbation: u32 }), hessianErrorBound(net, data, { u: u64 }));
      const [f64, f32] = [await evaluate('float64'), await evaluate('tfjs')];
      expect(f64).toBeCloseTo(denseTrace(lossHessian(float64Field, net, data)), 12);
      expect(Math.abs(f32 - f64)).toBeLessThanOrEqual(b.reduce((s, row, i) => s + row[i]!, 0));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
