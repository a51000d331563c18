// Source: THEORY.md §5, the table of known answers (Dinh et al. 2017 for the
// curvature rows; Neyshabur et al. 2015 for the path norm; the T·H·T row;
// Keskar et al. 2017 and Kwon et al. 2021 for the sharpness rows). The
// conformance battery must reproduce it for every registered metric (a metric
// added to the registry without a row fails the last check). The Monte-Carlo
// rows run in conformance-sampled.prop.ts.
import { expect, it } from 'vitest';
import { loadRegistry } from '../src/metrics/index.js';
import { covers } from '../src/report/covers.js';
import { describeConformance, KNOWN, MONTE_CARLO } from './known-answers.js';

describeConformance('closed-form and maximised metrics', KNOWN.filter(([id]) => !MONTE_CARLO.has(id)));

it('every registered metric has a row of known answers', covers('section-5-table'), async () => {
  expect((await loadRegistry()).map((m) => m.id).filter((id) => !KNOWN.some(([known]) => known === id))).toEqual([]);
});
