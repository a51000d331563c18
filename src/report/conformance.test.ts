import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../metrics/index.js';
// Negative control: ‖θ‖², which claims (wrongly) to be invariant under layer-scale.
import brokenMetric from '../../fixtures/metrics/weight-decay.js';
import { renderSvg } from '../output/charts.js';
import { conformanceMatrix, matrixMarkdown, matrixSpec } from './conformance.js';

describe('the conformance matrix', () => {
  it('marks a deliberately broken metric\'s claim as failed, in the JSON, the Markdown and the heat map', async () => {
    const loss = (await loadRegistry()).find((m) => m.id === 'loss')!;
    const m = await conformanceMatrix([loss, brokenMetric], { runs: 5, seed: 7 });
    expect(m.rows.map((r) => r.metric)).toEqual(['loss', 'weight-decay']);
    expect(m.rows[0]!.claims.ok).toBe(true);
    const broken = m.rows[1]!;
    expect(broken.claims.ok).toBe(false);
    expect(m.claimsFailed).toBe(1);
    const layer = broken.cells.find((c) => c.family === 'layer-scale')!;
    expect(layer).toMatchObject({ claim: 'invariant', claimFailed: true });
    expect(layer.verdict).not.toBe('invariant');
    expect(layer.counterexample).toBeDefined();
    expect(broken.cells.find((c) => c.family === 'permutation')).toMatchObject({ verdict: 'invariant', claimFailed: false });

    const md = matrixMarkdown(m);
    expect(md).toContain('**Claims: 1 failed.**');
    expect(md).toMatch(/\| `weight-decay`.*❌ claimed invariant.*❌ failed: invariant under layer-scale/);

    const svg = await renderSvg(matrixSpec(m));
    // One coloured cell per metric and family, one frame per failed claim.
    expect([...svg.matchAll(/aria-roledescription="rect mark"/g)].length).toBe(2 * 3 + 1);
    expect([...svg.matchAll(/aria-roledescription="text mark"/g)].length).toBe(2 * 3);
    expect(svg).toContain(`✗ ${layer.verdict} (claimed invariant)`);
  });
});
