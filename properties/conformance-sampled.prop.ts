// Source: docs/theory.md §5, the table of known answers: its Monte-Carlo rows —
// average sharpness, isotropic and magnitude-aware PAC-Bayes σ (Jiang et al.
// 2019, 2020), flat volume, adaptive average sharpness (Kwon et al. 2021).
// The battery compares such estimators on means over seeds (battery.ts).
import { describeConformance, KNOWN, MONTE_CARLO } from './known-answers.js';

describeConformance('Monte-Carlo metrics', KNOWN.filter(([id]) => MONTE_CARLO.has(id)));
