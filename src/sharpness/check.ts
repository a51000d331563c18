/**
 * The exact checker: re-evaluates a claimed sharpness perturbation in
 * rationals — its feasibility (‖z‖₂² ≤ ε², or |y_i| ≤ ε(|(A⁺θ)_i| + 1)) and
 * its loss increase — so a reported lower bound is a proven one.
 */
import type { Fraction } from 'fraction.js';
import { rationalField as Q, toFraction } from '../field/rational.js';
import type { Scalar } from '../field/field.js';
import { loss } from '../network/forward.js';
import { flatten, unflatten } from '../network/flat.js';
import type { Dataset, Network } from '../network/types.js';
import { solve } from '../linalg/exact.js';

export type ExactRegion =
  | { kind: 'ball'; epsilon: Scalar }
  | { kind: 'box'; epsilon: Scalar; subspace?: Scalar[][] };

export interface CheckedClaim {
  feasible: boolean;
  /** L(θ + z) − L(θ), exactly. */
  increase: Fraction;
  /** increase / (1 + L(θ)), times 100 for the box: the proven sharpness lower bound (when feasible). */
  value: Fraction;
  /** The perturbation that was checked (z = A y in a subspace), exactly. */
  z: Fraction[];
}

/** `perturbation` is z (ball, full-space box) or y (box in a subspace). */
export function checkSharpnessClaim(net: Network<Fraction>, data: Dataset<Fraction>, region: ExactRegion, perturbation: readonly Scalar[]): CheckedClaim {
  return checkSharpnessClaimAt(flatten(net), (theta) => loss(Q, unflatten(net, theta), data), region, perturbation);
}

/** The same for any network: its θ and its exact loss at any θ (a v2 network's, say). */
export function checkSharpnessClaimAt(theta: readonly Fraction[], lossAt: (theta: Fraction[]) => Fraction, region: ExactRegion, perturbation: readonly Scalar[]): CheckedClaim {
  const eps = toFraction(region.epsilon);
  const v = perturbation.map(toFraction);
  let feasible: boolean;
  let z: Fraction[];
  if (region.kind === 'ball') {
    z = v;
    feasible = v.length === theta.length && v.reduce((s, x) => s.add(x.mul(x)), Q.zero).compare(eps.mul(eps)) <= 0;
  } else {
    const A = region.subspace?.map((row) => row.map(toFraction));
    // A⁺θ exactly: the solution w of AᵀA w = Aᵀθ.
    const centre = A ? solve(Q, A[0]!.map((_, i) => A[0]!.map((_, j) => A.reduce((s, row) => s.add(row[i]!.mul(row[j]!)), Q.zero))), A[0]!.map((_, i) => A.reduce((s, row, r) => s.add(row[i]!.mul(theta[r]!)), Q.zero))) : theta;
    feasible = v.length === centre.length && v.every((x, i) => x.abs().compare(eps.mul(centre[i]!.abs().add(Q.one))) <= 0);
    z = A ? A.map((row) => row.reduce((s, a, j) => s.add(a.mul(v[j]!)), Q.zero)) : v;
  }
  if (z.length !== theta.length) throw new RangeError(`perturbation: expected ${theta.length} entries, got ${z.length}`);
  const before = lossAt([...theta]);
  const increase = lossAt(theta.map((t, i) => t.add(z[i]!))).sub(before);
  const value = increase.div(Q.one.add(before)).mul(Q.fromScalar(region.kind === 'box' ? 100 : 1));
  return { feasible, increase, value, z };
}
