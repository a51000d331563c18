// Source: Dinh et al. (ICML 2017), Section 5 and Appendix A (THEORY.md §4):
// under a reparametrisation θ = g(η) the function never changes, and at a
// critical point ∇²L_η = J_gᵀ ∇²L J_g (plus Σ ∂L/∂θ_i ∇²g_i elsewhere), so
// any minimum can be made as sharp or as flat as wanted. Every Hessian in η
// here is computed independently, by exact polynomial interpolation of
// L(g(η + t·v)) in rationals — no derivative code on that side.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import {
  expectFailure, fitDataset, fitReparametrisation, invertibleMatrix, networkArbitrary, offKinks, randomPointArbitrary, rational, rawDatasetArbitrary, rawReparametrisationArbitrary, runs,
  teacherStudentArbitrary,
  type NetworkAndData, type RawReparametrisation,
} from '../src/arbitraries/index.js';
import { float64Field, rationalField as Q } from '../src/field/index.js';
import { datasetIn, flatten, forward, loss, networkIn, shapeOf, unflatten, type Dataset, type Network } from '../src/network/index.js';
import { lossGradient, lossHessian, samplePasses } from '../src/autodiff/derivatives.js';
import { polynomialDerivatives, polynomialHessian } from '../src/autodiff/interpolate.js';
import { frobeniusSquared, matMul, transpose } from '../src/linalg/exact.js';
import { absorbInputMap, affine, elementwiseSinh, hessianInEta, radial, signedExp, weightNormJacobian, weightNormRows, type Reparametrisation } from '../src/reparam/index.js';
import { forwardErrorBound } from '../src/network/bounds.js';
import { covers } from '../src/report/covers.js';

type Net = Network<Fraction>;
const small = { maxHidden: 1, maxWidth: 2, maxInput: 2, maxOutput: 1 } as const;
// Steps of 2^-60: every non-zero pre-activation here is a rational with a small denominator, far larger
// than any t·∂z/∂t on the interpolation grid, so no kink is crossed and L(g(η + tv)) is one polynomial.
const h = new Fraction(1n, 1n << 60n);
const pool = fc.array(rational(5, 4), { minLength: 64, maxLength: 64 });

/**
 * vᵀ∇²L_η v at η by interpolation (L(g(η + tv)) is a polynomial of degree ≤ 2K·deg g off the kinks),
 * against vᵀ(law)v. One random rational direction separates two different symmetric matrices with
 * probability 1, at a fraction of the cost of the full matrix.
 */
function lawHoldsAlong(net: Net, data: Dataset<Fraction>, g: Reparametrisation<Fraction>, eta: Fraction[], gDegree: number, law: Fraction[][], v: Fraction[]): boolean {
  const L = (t: Fraction) => loss(Q, unflatten(net, g.toTheta(eta.map((e, i) => e.add(t.mul(v[i]!))))), data);
  const curvature = polynomialDerivatives(L, 2 * net.layers.length * gDegree, h).second;
  const quadratic = law.reduce((s, row, i) => s.add(v[i]!.mul(row.reduce((t, x, j) => t.add(x.mul(v[j]!)), Q.zero))), Q.zero);
  return curvature.equals(quadratic);
}

describe('Section 5: f_{g(η)} is f_θ, and at every point an affine g gives ∇²L_η = J_gᵀ ∇²L J_g exactly', covers('section-5'), () => {
  it('round trip g(g⁻¹(θ)) = θ, identical outputs, and the law against interpolation', () => {
    fc.assert(
      fc.property(randomPointArbitrary(small, { maxSamples: 2 }), pool, ({ network, dataset }: NetworkAndData, values) => {
        const net = networkIn(Q, network);
        const data = datasetIn(Q, dataset);
        const theta = flatten(net);
        const g = affine(Q, invertibleMatrix(values, theta.length), values.slice(0, theta.length));
        const eta = g.toEta(theta);
        const back = g.toTheta(eta);
        expect(back.every((x, i) => x.equals(theta[i]!))).toBe(true);
        expect(forward(Q, unflatten(net, back), data.inputs)).toEqual(forward(Q, net, data.inputs));
        const H = offKinks(() => lossHessian(Q, net, data));
        expect(lawHoldsAlong(net, data, g, eta, 1, hessianInEta(Q, g, eta, H), values.slice(40, 40 + theta.length))).toBe(true);
      }),
      runs(40),
    );
  });
});

describe('Section 5: for non-linear g (compositions of affine maps and a cubic) the law J_gᵀHJ_g holds at critical points, and needs Σ ∂L/∂θ_i ∇²g_i elsewhere', covers('section-5'), () => {
  // Compositions of affine maps and one elementwise cubic (src/arbitraries/reparam.ts).
  const composedCase = (c: NetworkAndData, raw: RawReparametrisation) => {
    const net0 = networkIn(Q, c.network);
    const n = flatten(net0).length;
    const { g, degree } = fitReparametrisation(raw, n);
    // Build θ = g(η) from a rational η, so the point is exact (a cubic's inverse is not rational).
    const eta = raw.values.slice(60, 60 + n);
    return { g, degree, eta, net: unflatten(net0, g.toTheta(eta)), v: raw.values.slice(90, 90 + n) };
  };

  it('at teacher minima: ∇²L_η = J_gᵀ H J_g, exactly', () => {
    fc.assert(
      fc.property(teacherStudentArbitrary(small, { maxSamples: 2 }), rawReparametrisationArbitrary(), (c, raw) => {
        const { g, degree, eta, net, v } = composedCase(c, raw);
        // Relabel the data with this θ's own outputs: θ is then an exact minimum.
        const inputs = datasetIn(Q, c.dataset).inputs;
        const data: Dataset<Fraction> = { loss: 'mse', inputs, targets: forward(Q, net, inputs) };
        const H = offKinks(() => lossHessian(Q, net, data));
        expect(lossGradient(Q, net, data).every((x) => x.n === 0n)).toBe(true);
        expect(lawHoldsAlong(net, data, g, eta, degree, hessianInEta(Q, g, eta, H), v), `law for ${g.name}`).toBe(true);
      }),
      runs(30),
    );
  });

  it('at random points the full law (with the second term) holds exactly', () => {
    fc.assert(
      fc.property(randomPointArbitrary(small, { maxSamples: 2 }), rawReparametrisationArbitrary(), (c, raw) => {
        const { g, degree, eta, net, v } = composedCase(c, raw);
        const data = datasetIn(Q, c.dataset);
        const [H, grad] = offKinks(() => [lossHessian(Q, net, data), lossGradient(Q, net, data)] as const);
        expect(lawHoldsAlong(net, data, g, eta, degree, hessianInEta(Q, g, eta, H, grad), v), `full law for ${g.name}`).toBe(true);
      }),
      runs(30),
    );
  });

  it('negative control: away from critical points J_gᵀHJ_g alone is wrong, and the counterexample is small', () => {
    const caught = expectFailure(
      fc.property(randomPointArbitrary(small, { maxSamples: 2 }), rawReparametrisationArbitrary(), (c, raw) => {
        const { g, degree, eta, net, v } = composedCase(c, raw);
        const data = datasetIn(Q, c.dataset);
        const H = offKinks(() => lossHessian(Q, net, data));
        return lawHoldsAlong(net, data, g, eta, degree, hessianInEta(Q, g, eta, H), v);
      }),
      runs(100),
    );
    expect(caught.counterexample[0].network.layers.length).toBe(2);
  });
});

describe('Appendix A: ∀ minimum θ̂, ∀M: a radial reparametrisation makes ∇²L_η(θ̂) have spectral norm ≥ M, and another ≤ 1/M — same function', covers('section-5'), () => {
  it('certified exactly: a diagonal entry ≥ M, and ‖∇²L_η‖_F ≤ 1/M, from interpolated Hessians', () => {
    fc.assert(
      fc.property(teacherStudentArbitrary(small, { maxSamples: 2 }), fc.integer({ min: 0, max: 12 }).map((k) => new Fraction(10n ** BigInt(k), 1n)), (c, M) => {
        const net = networkIn(Q, c.network);
        const data = datasetIn(Q, c.dataset);
        const theta = flatten(net);
        const H = offKinks(() => lossHessian(Q, net, data));
        const p = H.reduce((best, row, i) => (row[i]!.compare(H[best]![best]!) > 0 ? i : best), 0);
        fc.pre(H[p]![p]!.n !== 0n);
        // Sharp: factor k = r̂/ρ = 2^s with k²·H_pp ≥ M. Flat: k⁴·‖H‖_F² ≤ 1/M².
        let s = 0;
        while (H[p]![p]!.mul(new Fraction(1n << BigInt(2 * s), 1n)).compare(M) < 0) s++;
        const F2 = frobeniusSquared(Q, H);
        let f = 0;
        while (F2.mul(M).mul(M).compare(new Fraction(1n << BigInt(4 * f), 1n)) > 0) f++;
        const delta = Q.one;
        const sharp = radial(Q, theta, new Fraction(1n, 1n << BigInt(s + 2)), new Fraction(1n, 4n), delta);
        const flat = radial(Q, theta, new Fraction(1n, 4n), new Fraction(1n, 1n << BigInt(f + 2)), delta);
        for (const g of [sharp, flat]) {
          const eta = g.toEta(theta);
          expect(g.toTheta(eta).every((x, i) => x.equals(theta[i]!))).toBe(true); // same θ, same function
        }
        // Interpolation steps stay inside the inner ball (radius ρ), where g is exactly linear.
        const Hs = polynomialHessian((e) => loss(Q, unflatten(net, sharp.toTheta(e)), data), sharp.toEta(theta), 2 * net.layers.length, new Fraction(1n, 1n << BigInt(s + 60)));
        expect(Hs[p]![p]!.compare(M)).toBeGreaterThanOrEqual(0);
        const Hf = polynomialHessian((e) => loss(Q, unflatten(net, flat.toTheta(e)), data), flat.toEta(theta), 2 * net.layers.length, new Fraction(1n, 1n << 60n));
        expect(frobeniusSquared(Q, Hf).mul(M).mul(M).compare(Q.one)).toBeLessThanOrEqual(0);
      }),
      runs(40),
    );
  });
});

describe('Section 5.2: an input map x = Au + c absorbed by the first layer is the same function of x, and input-space curvature changes by the congruence Aᵀ(·)A', covers('section-5'), () => {
  it('outputs agree exactly, and ∇²_u ℓ = Aᵀ ∇²_x ℓ A along random directions (both sides interpolated)', () => {
    fc.assert(
      fc.property(teacherStudentArbitrary({ maxHidden: 2, maxWidth: 3, maxInput: 3, maxOutput: 2 }, { maxSamples: 2 }), pool, (c, values) => {
        const net = networkIn(Q, c.network);
        const data = datasetIn(Q, c.dataset) as Dataset<Fraction> & { loss: 'mse' };
        const n = net.inputSize;
        const A = invertibleMatrix(values, n);
        const shift = values.slice(30, 30 + n);
        const inU = absorbInputMap(Q, net, A, shift);
        const inverse = affine(Q, A, shift); // u = A⁻¹(x − c)
        const x = data.inputs[0]!;
        offKinks(() => samplePasses(Q, net, [x])); // at a kink the loss is two polynomials, not one
        const u = inverse.toEta(x);
        expect(forward(Q, inU, [u])).toEqual(forward(Q, net, [x]));
        // The per-sample loss as a function of the input, in x and in u.
        const target = data.targets[0]!;
        const ell = (network: Net) => (input: Fraction[]) => forward(Q, network, [input])[0]!.reduce((s, f, o) => s.add(f.sub(target[o]!).pow(2)), Q.zero);
        const v = values.slice(50, 50 + n);
        const degree = 2 * net.layers.length;
        const alongU = polynomialDerivatives((t) => ell(inU)(u.map((ui, i) => ui.add(t.mul(v[i]!)))), degree, h);
        const Av = A.map((row) => row.reduce((s, a, j) => s.add(a.mul(v[j]!)), Q.zero));
        const alongX = polynomialDerivatives((t) => ell(net)(x.map((xi, i) => xi.add(t.mul(Av[i]!)))), degree, h);
        expect(alongU.first.equals(alongX.first)).toBe(true); // ∂_u ℓ · v = ∂_x ℓ · (A v)
        expect(alongU.second.equals(alongX.second)).toBe(true); // vᵀ ∇²_u ℓ v = (Av)ᵀ ∇²_x ℓ (Av)
      }),
      runs(60),
    );
  });
});

describe('Section 5 (float64): for the transcendental maps sinh and signed exp, f_{g(g⁻¹(θ))} = f_θ within the derived bound', covers('section-5'), () => {
  it('outputs agree within R(1+R)·|f|(|x|), with the round trip charged as a relative weight perturbation', () => {
    const u = float64Field.unitRoundoff;
    fc.assert(
      fc.property(randomPointArbitrary({ weights: 'dyadic', maxHidden: 3, maxWidth: 4 }, { values: 'dyadic' }), fc.boolean(), ({ network, dataset }, useSinh) => {
        const net = networkIn(float64Field, network);
        const data = datasetIn(float64Field, dataset);
        const theta = flatten(net);
        fc.pre(useSinh || theta.every((t) => t !== 0));
        const g = useSinh ? elementwiseSinh() : signedExp(theta.map(Math.sign));
        const eta = g.toEta(theta);
        const back = g.toTheta(eta);
        // Each of Math.asinh/sinh/log/exp is within 2 ulps (4u relative); the outer map amplifies the inner
        // error by its condition number |η·g'(η)/g(η)| ≤ 1 + |η| (η coth η for sinh, |η| for exp).
        const rho = Math.max(...eta.map((e) => 4 * u + 4 * u * (1 + Math.abs(e))));
        back.forEach((x, i) => expect(Math.abs(x - theta[i]!)).toBeLessThanOrEqual(rho * Math.abs(theta[i]!)));
        const moved = unflatten(net, back);
        const a = forward(float64Field, net, data.inputs);
        const b = forward(float64Field, moved, data.inputs);
        const bound = forwardErrorBound(net, data.inputs, { u });
        const boundMoved = forwardErrorBound(moved, data.inputs, { u, weightPerturbation: rho });
        a.forEach((row, s) => row.forEach((v, o) => expect(Math.abs(v - b[s]![o]!)).toBeLessThanOrEqual(bound[s]![o]! + boundMoved[s]![o]!)));
      }),
      runs(200),
    );
  });
});

/** Unit vectors with rational entries (Pythagorean), so ‖v‖ is rational and weight normalisation stays exact. */
const PYTHAGOREAN: Record<number, [bigint, bigint[]][]> = {
  1: [[1n, [1n]]],
  2: [[5n, [3n, 4n]], [13n, [5n, 12n]], [17n, [8n, 15n]], [25n, [7n, 24n]]],
  3: [[3n, [1n, 2n, 2n]], [7n, [2n, 3n, 6n]], [9n, [1n, 4n, 8n]], [9n, [4n, 4n, 7n]]],
};

describe('Section 5.1: in weight-normalised coordinates w = s·v/‖v‖, v ↦ c·v keeps f and scales the Hessian in v by 1/c² — every minimum is as sharp or as flat as wanted', covers('section-5'), () => {
  it('exactly, at teacher minima whose first-layer rows have rational norms', () => {
    fc.assert(
      fc.property(
        networkArbitrary({ maxHidden: 1, maxWidth: 3, maxInput: 3, maxOutput: 2 }),
        rawDatasetArbitrary({ maxSamples: 3 }),
        fc.array(fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 7 }), rational(6, 4)), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: -20, max: 20 }),
        fc.integer({ min: 0, max: 12 }).map((k) => new Fraction(10n ** BigInt(k), 1n)),
        (raw, rawData, rowChoices, k, M) => {
          const n = raw.inputSize;
          // First-layer rows r_i·p_i with p_i a signed Pythagorean unit vector: ‖row‖ = |r_i|.
          const directions = raw.layers[0]!.weights.map((_, i) => {
            const [which, signs] = rowChoices[i]!;
            const [d, entries] = PYTHAGOREAN[n]![which % PYTHAGOREAN[n]!.length]!;
            return entries.map((e, j) => new Fraction(((signs >> j) & 1 ? -1n : 1n) * e, d));
          });
          const gains = rowChoices.slice(0, directions.length).map(([, , r]) => (r.n === 0n ? Q.one : r));
          const teacher = networkIn(Q, raw);
          teacher.layers[0]!.weights = directions.map((p, i) => p.map((x) => x.mul(gains[i]!)));
          const inputs = datasetIn(Q, fitDataset(rawData, shapeOf(raw))).inputs;
          const data: Dataset<Fraction> = { loss: 'mse', inputs, targets: forward(Q, teacher, inputs) };
          const H = offKinks(() => lossHessian(Q, teacher, data));
          const point = (c: Fraction) => ({ s: gains, v: directions.map((p) => p.map((x) => x.mul(c))), norms: directions.map(() => c.abs()) });
          const c = k >= 0 ? new Fraction(1n << BigInt(k), 1n) : new Fraction(1n, 1n << BigInt(-k));
          // Same function: the rows rebuilt from (s, c·v) are W₁ exactly.
          expect(weightNormRows(point(c)).every((row, i) => row.every((x, j) => x.equals(teacher.layers[0]!.weights[i]![j]!)))).toBe(true);
          const Hv = (at: Fraction) => {
            const J = weightNormJacobian(teacher, point(at));
            return matMul(Q, matMul(Q, transpose(J), H), J);
          };
          const atOne = Hv(Q.one);
          const atC = Hv(c);
          const vCount = directions.length * n;
          for (let i = 0; i < vCount; i++) for (let j = 0; j < vCount; j++) expect(atC[i]![j]!.equals(atOne[i]![j]!.div(c.mul(c)))).toBe(true);
          // ∀M: a c making some v-diagonal entry ≥ M, and one making the v-block's ‖·‖_F ≤ 1/M.
          const vDiag = atOne.slice(0, vCount).map((row, i) => row[i]!);
          const p = vDiag.reduce((best, x, i) => (x.compare(vDiag[best]!) > 0 ? i : best), 0);
          fc.pre(vDiag[p]!.n !== 0n);
          let sharp = 0;
          while (vDiag[p]!.mul(new Fraction(1n << BigInt(2 * sharp), 1n)).compare(M) < 0) sharp++;
          expect(Hv(new Fraction(1n, 1n << BigInt(sharp)))[p]![p]!.compare(M)).toBeGreaterThanOrEqual(0);
          const block = (A: Fraction[][]) => frobeniusSquared(Q, A.slice(0, vCount).map((row) => row.slice(0, vCount)));
          let flat = 0;
          while (block(atOne).mul(M).mul(M).compare(new Fraction(1n << BigInt(4 * flat), 1n)) > 0) flat++;
          expect(block(Hv(new Fraction(1n << BigInt(flat), 1n))).mul(M).mul(M).compare(Q.one)).toBeLessThanOrEqual(0);
        },
      ),
      runs(60),
    );
  });
});
