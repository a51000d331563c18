// Source: docs/theory.md §5, the table of known answers on conv and residual
// networks: its Monte-Carlo rows (split from conformance-layered.prop.ts so
// that vitest runs the two in parallel). Their invariant entries are asserted;
// their "not invariant" ones only where the change beats the sampling noise.
import { describeLayeredConformance, KNOWN_LAYERED, MONTE_CARLO } from './known-answers.js';

describeLayeredConformance('cnn', KNOWN_LAYERED.filter(([id]) => MONTE_CARLO.has(id)), true);
describeLayeredConformance('resnet', KNOWN_LAYERED.filter(([id]) => MONTE_CARLO.has(id)), true);
