import { beforeAll, describe, expect, it } from 'vitest';
import { FLOAT32_UNIT_ROUNDOFF as u32 } from '../field/index.js';
import { initTensorBackend, tf } from './backend.js';
import * as smooth from './smooth.js';

beforeAll(async () => {
  await initTensorBackend();
});

/** f″(x) by two nested tf.grad calls (double backprop), read outside the tidy scope. */
function secondDerivative(f: (x: tf.Tensor) => tf.Tensor, x: number): number {
  const d2 = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.grad(f)(t))(tf.scalar(x)));
  const value = d2.dataSync()[0]!;
  d2.dispose();
  return value;
}

/**
 * Each second derivative below passes through at most three float32 kernels
 * (≤ 16 u each: the allowance of autodiff/bounds.ts) and six operations, so
 * it is within (3·16 + 6)·u32 of the magnitude of its terms.
 */
const tolerance = (termMagnitude: number) => (3 * 16 + 6) * u32 * termMagnitude;

const sigma = (x: number) => 1 / (1 + Math.exp(-x));

const CASES: { name: string; f: (x: tf.Tensor) => tf.Tensor; own: (x: tf.Tensor) => tf.Tensor; exact: (x: number) => number; terms: (x: number) => number }[] = [
  // (x eˣ)″ = (x + 2) eˣ
  { name: 'x·exp(x)', f: (x) => tf.mul(x, smooth.exp(x)), own: (x) => tf.mul(x, tf.exp(x)), exact: (x) => (x + 2) * Math.exp(x), terms: (x) => (Math.abs(x) + 2) * Math.exp(x) },
  // tanh″ = −2 tanh (1 − tanh²)
  { name: 'tanh', f: smooth.tanh, own: tf.tanh, exact: (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2), terms: (x) => 2 * Math.abs(Math.tanh(x)) * (1 + Math.tanh(x) ** 2) },
  // σ″ = σ(1 − σ)(1 − 2σ)
  { name: 'sigmoid', f: smooth.sigmoid, own: tf.sigmoid, exact: (x) => sigma(x) * (1 - sigma(x)) * (1 - 2 * sigma(x)), terms: (x) => sigma(x) * (1 + sigma(x)) * (1 + 2 * sigma(x)) },
  // softplus″ = σ(1 − σ)
  { name: 'softplus', f: smooth.softplus, own: tf.softplus, exact: (x) => sigma(x) * (1 - sigma(x)), terms: (x) => sigma(x) * (1 + sigma(x)) },
];

describe('twice-differentiable smooth ops: double backprop gives the true second derivative', () => {
  for (const c of CASES) {
    it(`${c.name}″ at points across [−4, 4]`, () => {
      for (const x of [-4, -1.5, -0.5, 0, 0.5, 1, 3]) {
        expect(Math.abs(secondDerivative(c.f, x) - c.exact(x)), `${c.name}″(${x})`).toBeLessThanOrEqual(tolerance(c.terms(x)));
      }
    });
  }

  it("negative control: tfjs's own exp loses y″ (x·eˣ: 3.297 instead of 4.122 at 0.5), beyond the same tolerance", () => {
    const xe = CASES[0]!;
    expect(Math.abs(secondDerivative(xe.own, 0.5) - xe.exact(0.5))).toBeGreaterThan(tolerance(xe.terms(0.5)));
    expect(secondDerivative(xe.own, 0.5)).toBeCloseTo(3.2974, 3);
    // tanh's and sigmoid's saved outputs are dropped altogether: tfjs finds no path from x to their derivative.
    for (const c of [CASES[1]!, CASES[2]!]) expect(() => secondDerivative(c.own, 0.5), c.name).toThrow(/Cannot compute gradient/);
  });

  it('log-sum-exp: its Hessian-vector product is (diag p − p pᵀ) v with p = softmax, where tfjs\'s own has no second derivative', () => {
    const rows = [
      [1, 2, 3],
      [-20, 0.5, 40],
    ];
    const v = [
      [1, 0, -1],
      [0.25, -2, 1],
    ];
    const hvp = (lse: (x: tf.Tensor2D) => tf.Tensor) =>
      tf.tidy(() => {
        const vt = tf.tensor2d(v);
        const grad = (x: tf.Tensor) => tf.grad((y: tf.Tensor) => tf.sum(lse(y as tf.Tensor2D)))(x);
        return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(grad(x), vt)))(tf.tensor2d(rows)).arraySync() as number[][];
      });
    const got = hvp(smooth.logSumExp);
    rows.forEach((row, s) => {
      const m = Math.max(...row);
      const w = row.map((x) => Math.exp(x - m));
      const p = w.map((x) => x / w.reduce((a, b) => a + b));
      const pv = p.reduce((a, pi, i) => a + pi * v[s]![i]!, 0);
      p.forEach((pi, i) => {
        const exact = pi * v[s]![i]! - pi * pv;
        // Terms p_i|v_i| + p_i Σ p_j|v_j|, through exp, a sum, a division and the products.
        const terms = pi * Math.abs(v[s]![i]!) + pi * p.reduce((a, pj, j) => a + pj * Math.abs(v[s]![j]!), 0);
        expect(Math.abs(got[s]![i]! - exact), `row ${s}, entry ${i}`).toBeLessThanOrEqual(tolerance(terms) + 8 * u32 * terms);
      });
    });
    expect(() => hvp((x) => tf.logSumExp(x, 1))).toThrow(/gradient function not found for Equal/);
  });

  it('leaks no tensors', () => {
    const x = tf.tensor2d([[0.3, -1, 2]]);
    secondDerivative(smooth.tanh, 0.2);
    const start = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) {
      secondDerivative(smooth.softplus, 0.1 * i);
      tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(smooth.logSumExp(t as tf.Tensor2D)))(x)).dispose();
    }
    expect(tf.memory().numTensors).toBe(start);
    x.dispose();
  });
});
