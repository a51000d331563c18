// Source: docs/theory.md §5, the table of known answers on conv and residual
// networks: its Monte-Carlo rows on residual nets (split from
// conformance-layered.prop.ts, and the conv nets' from this, so that vitest
// runs them in parallel). Their invariant entries are asserted; their "not
// invariant" ones only where the change beats the sampling noise.
import { describeLayeredConformance, LAYERED_SAMPLED } from './known-answers.js';

describeLayeredConformance('resnet', LAYERED_SAMPLED, true);
