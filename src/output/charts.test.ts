import { describe, expect, it } from 'vitest';
import { renderSvg } from './charts.js';

describe('renderSvg', () => {
  it('draws one mark per data point of a Vega-Lite spec', async () => {
    const values = [1, 2, 3, 4].map((a) => ({ a, b: a * a }));
    const svg = await renderSvg({ data: { values }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } } });
    expect(svg.startsWith('<svg')).toBe(true);
    // Each datum becomes an accessible symbol labelled with its values.
    const labels = [...svg.matchAll(/aria-roledescription="point"/g)].length;
    expect(labels).toBe(4);
    for (const { a, b } of values) expect(svg).toContain(`aria-label="a: ${a}; b: ${b}"`);
  });
});
