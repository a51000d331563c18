import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FLOAT64_UNIT_ROUNDOFF as u, float64Field, rationalField as Q } from '../field/index.js';
import { figure5, radial } from './index.js';

describe('the Figure 5 map (float64)', () => {
  it('g(g⁻¹(θ)) = θ to a few ulps, and J_g(θ̂) = b^(−a)·I', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -4096, max: 4096 }).map((n) => n / 256), { minLength: 1, maxLength: 6 }).chain((c) =>
          fc.tuple(fc.constant(c), fc.array(fc.integer({ min: -4096, max: 4096 }).map((n) => n / 256), { minLength: c.length, maxLength: c.length })),
        ),
        fc.integer({ min: -40, max: 200 }).map((k) => k / 100),
        fc.integer({ min: 1, max: 400 }).map((k) => k / 100),
        ([centre, theta], a, b) => {
          const g = figure5(centre, a, b);
          const back = g.toTheta(g.toEta(theta));
          // Bisection to the float resolution of r, then three rounded operations per coordinate.
          back.forEach((x, i) => expect(Math.abs(x - theta[i]!)).toBeLessThanOrEqual(16 * u * (Math.abs(centre[i]!) + Math.abs(theta[i]! - centre[i]!)) + 4 * u * Math.hypot(...theta.map((t, k) => t - centre[k]!))));
          const J = g.jacobian(centre.map(() => 0));
          J.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - (i === j ? b ** -a : 0))).toBeLessThanOrEqual(4 * u * b ** -a)));
        },
      ),
    );
  });

  it('rejects b ≤ 0 and a ≤ −1/2, naming the values', () => {
    expect(() => figure5([0], -0.5, 1)).toThrow('figure5: expected b > 0 and a > −1/2, got "a = -0.5, b = 1"');
    expect(() => figure5([0], 1, 0)).toThrow('b > 0 and a > −1/2');
  });
});

describe('the radial map of Appendix A', () => {
  it('is the identity beyond δ, linear with factor r̂/ρ inside, and continuous in between (float64)', () => {
    const g = radial(float64Field, [0, 0], 0.1, 0.4, 1);
    expect(g.toTheta([3, 4])).toEqual([3, 4]);
    expect(g.toTheta([0.06, 0.08])).toEqual([0.06 * 4, 0.08 * 4].map((x) => x));
    const justInside = g.toTheta([0.1 * 0.6, 0.1 * 0.8]);
    const justOutside = g.toTheta([0.1 * 0.6 * (1 + 1e-12), 0.1 * 0.8 * (1 + 1e-12)]);
    // ψ⁻¹ is piecewise linear with slopes r̂/ρ = 4, (r̂ − δ)/(ρ − δ) = 2/3 and 1: continuity means a move of
    // ‖Δη‖ = 1e-13 moves θ by at most 4·1e-13, plus the rounding of a few operations on |θ| ≈ 0.4.
    justInside.forEach((x, i) => expect(Math.abs(x - justOutside[i]!)).toBeLessThanOrEqual(4 * 1e-13 + 16 * u * 0.4));
  });

  it('rejects ρ ≥ δ', () => {
    expect(() => radial(Q, [Q.zero], Q.one, Q.fromScalar(0.5), Q.one)).toThrow('radial: expected 0 < ρ < δ and 0 < r̂ < δ');
  });
});

describe('weight normalisation', () => {
  it('its exact Jacobian matches central differences of w = s·v/‖v‖ (float64)', async () => {
    const { weightNormJacobian } = await import('./weightnorm.js');
    const { Fraction } = await import('mathjs');
    const { networkIn } = await import('../network/index.js');
    const f = (n: bigint, d = 1n) => new Fraction(n, d);
    const net = networkIn(Q, { inputSize: 2, layers: [{ weights: [[6, 8]], activation: 'relu' }, { weights: [[1]], activation: 'linear' }] });
    const point = { s: [f(2n)], v: [[f(3n), f(4n)]], norms: [f(5n)] };
    const J = weightNormJacobian(net, point);
    const w = (v: number[]) => v.map((x) => (2 * x) / Math.hypot(...v));
    const h = 1e-5;
    for (let b = 0; b < 2; b++) {
      const plus = w([3, 4].map((x, i) => (i === b ? x + h : x)));
      const minus = w([3, 4].map((x, i) => (i === b ? x - h : x)));
      for (let a = 0; a < 2; a++) {
        // Truncation h²|w'''|/6 ≤ h²·(15 s/‖v‖³)/6 ≈ 4e-12, rounding ≈ 4u·|w|/h ≈ 2e-11.
        expect(Math.abs((plus[a]! - minus[a]!) / (2 * h) - J[a]![b]!.valueOf())).toBeLessThanOrEqual(1e-10);
      }
    }
    expect(() => weightNormJacobian(net, { ...point, norms: [f(4n)] })).toThrow('norms[0]: expected ‖v_0‖₂ (whose square is 25), got 4');
  });
});
