/**
 * Reparametrisations θ = g(η) (THEORY.md §4, the paper's Section 5 and
 * Appendices A, D). The function f never changes — only the coordinates in
 * which its minimum's curvature is measured: at a critical point
 * ∇²L_η = J_gᵀ ∇²L J_g, and in general
 * ∇²L_η = J_gᵀ ∇²L J_g + Σ_i ∂L/∂θ_i ∇²g_i.
 */
import type { Field } from '../field/field.js';
import { InputError } from '../field/errors.js';
import { matMul, solve, transpose } from '../linalg/exact.js';
import type { Layer, Network } from '../network/types.js';

export interface Reparametrisation<T> {
  readonly name: string;
  /** g: η ↦ θ. */
  toTheta(eta: readonly T[]): T[];
  /** g⁻¹: θ ↦ η. */
  toEta(theta: readonly T[]): T[];
  /** J_g(η): ∂θ_i/∂η_j. */
  jacobian(eta: readonly T[]): T[][];
  /** Σ_i w_i ∇²g_i(η): the second term of the Hessian law, for weights w = ∇L(θ). */
  curvatureTerm(eta: readonly T[], w: readonly T[]): T[][];
}

const zeros = <T>(F: Field<T>, n: number) => Array.from({ length: n }, () => Array.from({ length: n }, () => F.zero));

/** θ = M η + c, M invertible: exact in rationals; J_g = M, ∇²g = 0. */
export function affine<T>(F: Field<T>, M: T[][], c: T[]): Reparametrisation<T> {
  return {
    name: 'affine',
    toTheta: (eta) => M.map((row, i) => row.reduce((s, m, j) => F.add(s, F.mul(m, eta[j]!)), c[i]!)),
    toEta: (theta) => solve(F, M, theta.map((t, i) => F.sub(t, c[i]!))),
    jacobian: () => M.map((row) => [...row]),
    curvatureTerm: () => zeros(F, c.length),
  };
}

/**
 * θ_i = η_i + κ_i η_i³ (κ_i ≥ 0): a polynomial bijection, so the loss in η
 * is still a polynomial off the kinks and every check stays exact.
 * J_g = diag(1 + 3κη²); ∇²g_i = 6κ_i η_i e_i e_iᵀ. Its inverse is a cubic's
 * real root, so toEta is float64-only (exact checks build θ from η).
 */
export function elementwiseCubic<T>(F: Field<T>, kappa: T[]): Reparametrisation<T> {
  kappa.forEach((k, i) => {
    if (F.sign(k) < 0) throw new InputError(`kappa[${i}]`, F.toString(k), 'a non-negative coefficient (the map must be increasing)');
  });
  const three = F.fromScalar(3);
  const six = F.fromScalar(6);
  return {
    name: 'cubic',
    toTheta: (eta) => eta.map((e, i) => F.add(e, F.mul(kappa[i]!, F.mul(e, F.mul(e, e))))),
    toEta: (theta) =>
      theta.map((t, i) => {
        // Newton on e + κe³ = t from e = t (monotone, convex on each side: converges).
        const k = F.toNumber(kappa[i]!);
        const target = F.toNumber(t);
        let e = target;
        for (let it = 0; it < 100; it++) e -= (e + k * e ** 3 - target) / (1 + 3 * k * e * e);
        return F.fromScalar(e);
      }),
    jacobian: (eta) => eta.map((e, i) => eta.map((_, j) => (i === j ? F.add(F.one, F.mul(three, F.mul(kappa[i]!, F.mul(e, e)))) : F.zero))),
    curvatureTerm: (eta, w) => eta.map((e, i) => eta.map((_, j) => (i === j ? F.mul(w[i]!, F.mul(six, F.mul(kappa[i]!, e))) : F.zero))),
  };
}

/**
 * Appendix A's radial map around θ̂ (inside B₂(θ̂, δ) only): g⁻¹(θ) =
 * θ̂ + ψ(r)/r · (θ − θ̂), r = ‖θ − θ̂‖₂, with ψ(r) = ρr/r̂ for r ≤ r̂,
 * (ρ − δ)(r − δ)/(r̂ − δ) + δ for r̂ < r ≤ δ, r beyond. Near θ̂ (within ρ of
 * it, in η) g is the linear map η ↦ θ̂ + (r̂/ρ)(η − θ̂), so the Hessian at θ̂
 * is multiplied by (r̂/ρ)² exactly. toEta/toTheta use float square roots
 * except in that inner ball, where they are exact.
 */
export function radial<T>(F: Field<T>, centre: T[], rho: T, rHat: T, delta: T): Reparametrisation<T> & { innerFactor: T } {
  const ok = F.sign(rho) > 0 && F.sign(rHat) > 0 && F.compare(rho, delta) < 0 && F.compare(rHat, delta) < 0;
  if (!ok) throw new InputError('radial', [F.toString(rho), F.toString(rHat), F.toString(delta)].join(', '), '0 < ρ < δ and 0 < r̂ < δ');
  const innerFactor = F.div(rHat, rho);
  const norm2 = (v: readonly T[]) => v.reduce((s, x) => F.add(s, F.mul(x, x)), F.zero);
  const lessOrEqual = (v: readonly T[], radius: T) => F.compare(norm2(v), F.mul(radius, radius)) <= 0;
  const psi = (r: number) => {
    const [p, h, d] = [rho, rHat, delta].map(F.toNumber) as [number, number, number];
    return r <= h ? (p * r) / h : r <= d ? ((p - d) * (r - d)) / (h - d) + d : r;
  };
  const psiInverse = (s: number) => {
    const [p, h, d] = [rho, rHat, delta].map(F.toNumber) as [number, number, number];
    return s <= p ? (h * s) / p : s <= d ? ((s - d) * (h - d)) / (p - d) + d : s;
  };
  const radialMove = (from: readonly T[], inner: T, f: (r: number) => number, innerRadius: T) => {
    const d = from.map((x, i) => F.sub(x, centre[i]!));
    if (lessOrEqual(d, innerRadius)) return d.map((x, i) => F.add(centre[i]!, F.mul(inner, x)));
    const r = Math.sqrt(F.toNumber(norm2(d)));
    const factor = F.fromScalar(f(r) / r);
    return d.map((x, i) => F.add(centre[i]!, F.mul(factor, x)));
  };
  return {
    name: 'radial',
    innerFactor,
    toTheta: (eta) => radialMove(eta, innerFactor, psiInverse, rho),
    toEta: (theta) => radialMove(theta, F.div(F.one, innerFactor), psi, rHat),
    jacobian: (eta) => {
      const d = eta.map((x, i) => F.sub(x, centre[i]!));
      if (!lessOrEqual(d, rho)) throw new RangeError('radial: the Jacobian is implemented inside the inner ball, where g is linear');
      return eta.map((_, i) => eta.map((_, j) => (i === j ? innerFactor : F.zero)));
    },
    curvatureTerm: (eta) => zeros(F, eta.length),
  };
}

/**
 * The paper's Figure 5 map, in n dimensions: η = (‖θ − θ̂‖² + b)^a (θ − θ̂),
 * b > 0, a > −1/2 (float64). At θ̂, dη/dθ = b^a·I, so J_g = b^(−a)·I and the
 * curvature of a minimum at θ̂ is multiplied by b^(−2a).
 */
export function figure5(centre: number[], a: number, b: number): Reparametrisation<number> {
  if (!(b > 0) || !(a > -0.5)) throw new InputError('figure5', `a = ${a}, b = ${b}`, 'b > 0 and a > −1/2');
  const sub = (x: readonly number[]) => x.map((v, i) => v - centre[i]!);
  const norm = (x: readonly number[]) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));
  return {
    name: 'figure5',
    toEta: (theta) => {
      const d = sub(theta);
      const s = (norm(d) ** 2 + b) ** a;
      return d.map((v) => s * v);
    },
    toTheta: (eta) => {
      const target = norm(eta);
      if (target === 0) return [...centre];
      // Solve (r² + b)^a r = ‖η‖ for r ≥ 0: increasing for a > −1/2; bisection on a bracketing interval.
      let lo = 0;
      let hi = 1;
      while ((hi * hi + b) ** a * hi < target) hi *= 2;
      for (let i = 0; i < 200; i++) {
        const mid = (lo + hi) / 2;
        if ((mid * mid + b) ** a * mid < target) lo = mid;
        else hi = mid;
      }
      const r = (lo + hi) / 2;
      return eta.map((v, i) => centre[i]! + (r / target) * v);
    },
    jacobian: (eta) => {
      // J_g = (J_h)⁻¹ with J_h = s^a I + 2a s^(a−1) d dᵀ (s = ‖d‖² + b), by Sherman–Morrison.
      const d = sub(figure5(centre, a, b).toTheta(eta));
      const s = norm(d) ** 2 + b;
      const c1 = s ** a;
      const c2 = 2 * a * s ** (a - 1);
      const k = c2 / (c1 + c2 * norm(d) ** 2);
      return d.map((di, i) => d.map((dj, j) => ((i === j ? 1 : 0) - k * di * dj) / c1));
    },
    curvatureTerm: () => {
      throw new RangeError('figure5: the second-order term is not implemented (use it at critical points)');
    },
  };
}

/** J_gᵀ H J_g + Σ_i w_i ∇²g_i: the Hessian in η (w = ∇L(θ); at a critical point the second term is 0). */
export function hessianInEta<T>(F: Field<T>, g: Reparametrisation<T>, eta: readonly T[], H: readonly (readonly T[])[], gradient?: readonly T[]): T[][] {
  const J = g.jacobian(eta);
  const n = eta.length;
  const HJ = H.map((row) => J[0]!.map((_, j) => row.reduce((s, h, k) => (F.sign(h) === 0 ? s : F.add(s, F.mul(h, J[k]![j]!))), F.zero)));
  const law = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => J.reduce((s, row, k) => (F.sign(row[i]!) === 0 ? s : F.add(s, F.mul(row[i]!, HJ[k]![j]!))), F.zero)));
  if (!gradient) return law;
  const extra = g.curvatureTerm(eta, gradient);
  return law.map((row, i) => row.map((v, j) => F.add(v, extra[i]![j]!)));
}

/**
 * Section 5.2 / Appendix D: an input map x = A u + c (A invertible). The
 * first layer absorbs it — W₁' = W₁A, b₁' = W₁c + b₁ — so the network in u
 * computes f(Au + c) exactly; input-space derivatives change by the same
 * congruence: ∂f'/∂u = ∂f/∂x · A, ∇²_u = Aᵀ ∇²_x A.
 */
export function absorbInputMap<T>(F: Field<T>, net: Network<T>, A: T[][], c: T[]): Network<T> {
  if (A.length !== net.inputSize || A.some((row) => row.length !== A.length)) throw new InputError('A', `${A.length}×${A[0]?.length}`, `a ${net.inputSize}×${net.inputSize} matrix`);
  const [first, ...rest] = net.layers as [Layer<T>, ...Layer<T>[]];
  const weights = first.weights.map((row) => A[0]!.map((_, j) => row.reduce((s, w, k) => F.add(s, F.mul(w, A[k]![j]!)), F.zero)));
  const shift = first.weights.map((row, i) => row.reduce((s, w, k) => F.add(s, F.mul(w, c[k]!)), first.bias ? first.bias[i]! : F.zero));
  return { inputSize: net.inputSize, layers: [{ ...first, weights, bias: shift }, ...rest] };
}

/**
 * θ = outer(inner(η)). J = J_outer(inner(η))·J_inner(η), and the second-order
 * term of the Hessian law composes as
 * Σ_i w_i ∇²(outer∘inner)_i = J_innerᵀ (Σ_i w_i ∇²outer_i) J_inner + Σ_k (J_outerᵀ w)_k ∇²inner_k.
 */
export function compose<T>(F: Field<T>, outer: Reparametrisation<T>, inner: Reparametrisation<T>): Reparametrisation<T> {
  return {
    name: `${outer.name}∘${inner.name}`,
    toTheta: (eta) => outer.toTheta(inner.toTheta(eta)),
    toEta: (theta) => inner.toEta(outer.toEta(theta)),
    jacobian: (eta) => matMul(F, outer.jacobian(inner.toTheta(eta)), inner.jacobian(eta)),
    curvatureTerm: (eta, w) => {
      const mid = inner.toTheta(eta);
      const Ji = inner.jacobian(eta);
      const first = matMul(F, matMul(F, transpose(Ji), outer.curvatureTerm(mid, w)), Ji);
      const pulled = transpose(outer.jacobian(mid)).map((row) => row.reduce((s, x, k) => F.add(s, F.mul(x, w[k]!)), F.zero));
      const second = inner.curvatureTerm(eta, pulled);
      return first.map((row, i) => row.map((v, j) => F.add(v, second[i]![j]!)));
    },
  };
}

/** θ_i = sinh(η_i): a bijection of ℝⁿ (float fields). J = diag(cosh η), ∇²g_i = sinh(η_i) e_i e_iᵀ. */
export function elementwiseSinh(): Reparametrisation<number> {
  return {
    name: 'sinh',
    toTheta: (eta) => eta.map(Math.sinh),
    toEta: (theta) => theta.map(Math.asinh),
    jacobian: (eta) => eta.map((e, i) => eta.map((_, j) => (i === j ? Math.cosh(e) : 0))),
    curvatureTerm: (eta, w) => eta.map((e, i) => eta.map((_, j) => (i === j ? w[i]! * Math.sinh(e) : 0))),
  };
}

/**
 * θ_i = σ_i·exp(η_i) with fixed signs σ_i = ±1: a bijection onto the orthant
 * of θ's signs (θ_i ≠ 0 required). J = diag(θ), ∇²g_i = θ_i e_i e_iᵀ.
 */
export function signedExp(signs: readonly number[]): Reparametrisation<number> {
  return {
    name: 'exp',
    toTheta: (eta) => eta.map((e, i) => signs[i]! * Math.exp(e)),
    toEta: (theta) =>
      theta.map((t, i) => {
        if (t === 0 || Math.sign(t) !== signs[i]) throw new InputError(`theta[${i}]`, t, `a value of sign ${signs[i]} (the exp map covers one orthant)`);
        return Math.log(Math.abs(t));
      }),
    jacobian: (eta) => eta.map((e, i) => eta.map((_, j) => (i === j ? signs[i]! * Math.exp(e) : 0))),
    curvatureTerm: (eta, w) => eta.map((e, i) => eta.map((_, j) => (i === j ? w[i]! * signs[i]! * Math.exp(e) : 0))),
  };
}
