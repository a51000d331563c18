// Source: docs/theory.md §5, the table of known answers on conv and residual
// networks: its Monte-Carlo rows on conv nets (split from
// conformance-layered.prop.ts, and the residual nets' from this, so that vitest
// runs them in parallel). Their invariant entries are asserted; their "not
// invariant" ones only where the change beats the sampling noise.
import { describeLayeredConformance, LAYERED_SAMPLED } from './known-answers.js';

describeLayeredConformance('cnn', LAYERED_SAMPLED, true);
