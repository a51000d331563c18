/**
 * The theorem sections of the proof report, as one data table: for each
 * result of Dinh et al. (2017) — Theorems 1–6, Section 4.3, Section 5 — its
 * statement (THEORY.md §3–§4), its source and a sample witness (witnesses.ts).
 * The property checks that cover a result name its id in their test metadata
 * (covers.ts).
 */
import type { TheoremId } from './covers.js';
import {
  flatVolume, madeFlat, manyEigenvalues, noLipschitzConstant, observationalEquivalence, reparametrisation, sharpness, transformationLaw, unboundedSpectralNorm, type Witness,
} from './witnesses.js';

export interface TheoremEntry {
  id: TheoremId;
  title: string;
  statement: string;
  source: string;
  witness?: (seed: number) => Witness;
}

// ---------------------------------------------------------------------------------------------
// The table

export const THEOREMS: TheoremEntry[] = [
  {
    id: 'theorem-1',
    title: 'Theorem 1 — non-negative homogeneity; observational equivalence',
    statement: 'φ_rect(αz) = α·φ_rect(z) for α ≥ 0, hence every layer-scale T_α (∏α_k = 1), neuron-scale and permutation S gives an observationally equivalent network: f_{Sθ}(x) = f_θ(x) for all x, and L(Sθ) = L(θ).',
    source: 'Dinh et al. (ICML 2017), §2, Theorem 1, Definition 5; Appendix B (biases); THEORY.md §1',
    witness: observationalEquivalence,
  },
  {
    id: 'theorem-2',
    title: 'Theorem 2 — the flat volume is infinite',
    statement: 'One hidden layer, θ a minimum with θ1, θ2 ≠ 0: for every ε > 0 the ε-flat region C(L, θ, ε) has infinite volume — it holds a box B and its images T_α^k(B), whose total volume exceeds any V.',
    source: 'Dinh et al. (ICML 2017), Theorem 2, Definition 1 (after Hochreiter & Schmidhuber 1997); THEORY.md §3',
    witness: flatVolume,
  },
  {
    id: 'theorem-3',
    title: 'Theorem 3 — the transformation law of the gradient and Hessian',
    statement: '∇L(T_α θ) = ∇L(θ)·D_α and ∇²L(T_α θ) = D_α ∇²L(θ) D_α; in general ∇L(Sθ) = S⁻ᵀ∇L(θ) and ∇²L(Sθ) = S⁻ᵀ∇²L(θ)S⁻¹ for every linear symmetry S, at every point.',
    source: 'Dinh et al. (ICML 2017), Theorem 3; THEORY.md §1 and §3',
    witness: transformationLaw,
  },
  {
    id: 'theorem-4',
    title: 'Theorem 4 — the Hessian spectral norm (and trace) is unbounded',
    statement: 'One hidden layer, θ a minimum with ∇²L(θ) ≠ 0: for every M > 0 there is α > 0 with |||∇²L(T_α θ)|||₂ ≥ M (and Tr ∇²L(T_α θ) ≥ M).',
    source: 'Dinh et al. (ICML 2017), Theorem 4; THEORY.md §3',
    witness: unboundedSpectralNorm,
  },
  {
    id: 'theorem-5',
    title: 'Theorem 5 — many eigenvalues can be made large at once',
    statement: 'K layers, θ a minimum, r = rank ∇²L(θ): for every M > 0 there is α with ∏α_k = 1 such that at least r − min_k n_k eigenvalues of ∇²L(T_α θ) exceed M.',
    source: 'Dinh et al. (ICML 2017), Theorem 5; THEORY.md §3',
    witness: manyEigenvalues,
  },
  {
    id: 'theorem-6',
    title: 'Theorem 6 — no Lipschitz constant',
    statement: 'One hidden layer, L not constant: ‖∇L(T_α θ)‖² = α⁻²‖∇_θ1 L‖² + α²‖∇_θ2 L‖² → ∞, so for every B there is α with ‖∇L(T_α θ)‖ ≥ B.',
    source: 'Dinh et al. (ICML 2017), Theorem 6; THEORY.md §3',
    witness: noLipschitzConstant,
  },
  {
    id: 'converse',
    title: 'Converse (flatcheck) — a minimum made as flat as its orbit allows',
    statement: 'One hidden layer: Tr ∇²L(T_α θ) = α⁻²A + α²B + C has infimum 2√(AB) + C over α > 0; for every η > 0 some α comes within η of it, certified without square roots.',
    source: 'THEORY.md §3 (the converse of Theorem 4), flatcheck',
    witness: madeFlat,
  },
  {
    id: 'section-4-3',
    title: 'Section 4.3 — ε-sharpness',
    statement: 'The paper: with α = ε/‖θ1‖₂ the constant predictor (0, θ2/α) lies in B₂(ε, T_α θ), so ε-sharpness(T_α θ) ≥ (L(0, θ2/α) − L(θ))/(1 + L(θ)). flatcheck\'s strengthening: for every ε and M there are α and ‖δ‖₂ = ε (in the ball and in Keskar\'s box) with (L(T_α θ + δ) − L)/(1 + L) ≥ M.',
    source: 'Dinh et al. (ICML 2017), Section 4.3 (after Keskar et al. 2017, Definition 2); THEORY.md §2–§3',
    witness: sharpness,
  },
  {
    id: 'section-5',
    title: 'Section 5 — reparametrisation (Appendices A, D; weight normalisation; input space)',
    statement: 'For θ = g(η) the function never changes and at a critical point ∇²L_η = J_gᵀ∇²L J_g: any minimum can be made as sharp (≥ M) or as flat (≤ 1/M) as wanted by a change of coordinates; so can weight-normalised coordinates and input-space measures.',
    source: 'Dinh et al. (ICML 2017), Section 5, 5.1, 5.2, Figure 5, Appendices A and D; THEORY.md §4',
    witness: reparametrisation,
  },
  {
    id: 'section-5-table',
    title: 'Beyond the paper — the conformance table of known answers',
    statement: 'For every registered flatness metric, per symmetry family: invariant, not invariant, or unbounded — reproducing the table of THEORY.md §5 (see the conformance matrix below for every metric of the registry).',
    source: 'THEORY.md §5 (Dinh et al. 2017 for the curvature rows; Neyshabur et al. 2015; Kwon et al. 2021; Liang et al. 2019; Petzka et al. 2021)',
  },
];
