// Source: docs/theory.md §5, the table of known answers on conv and residual
// networks, derived there family by family from the transformation laws of §1
// ("Layered networks"). The MLP-only metrics are checked to say so.
import { expect, it } from 'vitest';
import { checkMetric, loadRegistry } from '../src/metrics/index.js';
import { covers } from '../src/report/covers.js';
import { describeLayeredConformance, KNOWN, KNOWN_LAYERED, LAYERED_EXACT } from './known-answers.js';

describeLayeredConformance('cnn', LAYERED_EXACT);
describeLayeredConformance('resnet', LAYERED_EXACT);

it('every registered metric has a layered row or declares that it takes MLPs only, and the battery does not run it elsewhere', covers('section-5-table'), async () => {
  const registry = await loadRegistry();
  const mlpOnly = registry.filter((m) => m.architectures !== undefined && !m.architectures.includes('cnn'));
  expect(registry.filter((m) => !KNOWN_LAYERED.some(([id]) => id === m.id) && !mlpOnly.includes(m)).map((m) => m.id)).toEqual([]);
  expect(mlpOnly.map((m) => m.id).sort()).toEqual(KNOWN.map(([id]) => id).filter((id) => !KNOWN_LAYERED.some(([k]) => k === id)).sort());
  const report = await checkMetric(mlpOnly[0]!, { architectures: ['cnn', 'resnet'], runs: 2 });
  expect(report.notApplicable).toEqual(['cnn', 'resnet']);
  expect(report.architectures).toBeUndefined();
});
