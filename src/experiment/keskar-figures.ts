/** The Keskar experiment's figures: every measure by batch size before and after a symmetry, and the top Hessian eigenvalues. */
import { renderSvg, type VegaLiteSpec } from '../output/charts.js';
import { MEASURE_IDS, MEASURE_TITLES } from './measure.js';
import type { NetworkRow } from './keskar-types.js';

export async function renderFigures(rows: NetworkRow[]): Promise<{ name: string; svg: string }[]> {
  const label = (r: NetworkRow) => (r.state === 'original' ? 'original' : `${r.role} (${r.state})`);
  const values = rows.flatMap((r) => MEASURE_IDS.map((k) => ({ measure: MEASURE_TITLES[k], batch: `${r.batch} (${r.batchSize})`, state: label(r), network: r.network, value: r.values[k] })));
  const sharpness: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Sharpness by batch size, before and after a symmetry (log scale)',
    data: { values },
    facet: { field: 'measure', type: 'nominal', title: null, sort: MEASURE_IDS.map((k) => MEASURE_TITLES[k]) },
    columns: 3,
    spec: {
      width: 180,
      height: 160,
      mark: { type: 'point', filled: true, size: 50 },
      encoding: {
        x: { field: 'batch', type: 'nominal', title: 'batch size', axis: { labelAngle: 0 } },
        xOffset: { field: 'state', type: 'nominal' },
        y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'value' },
        color: { field: 'state', type: 'nominal', title: 'network', legend: { labelLimit: 260 } },
        tooltip: [{ field: 'network' }, { field: 'value' }],
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
  const spectrumValues = rows.filter((r) => r.state !== 'neuron-scale').flatMap((r) => r.spectrum.map((v, i) => ({ index: i + 1, eigenvalue: v, batch: `${r.batch} (${r.batchSize})`, network: r.network, state: r.state === 'original' ? 'original' : 'after layer-scale' })));
  const spectrum: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Top Hessian eigenvalues (symlog scale)',
    data: { values: spectrumValues },
    facet: { field: 'state', type: 'nominal', title: null, sort: ['original', 'after layer-scale'] },
    spec: {
      width: 260,
      height: 200,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'index', type: 'ordinal', title: 'eigenvalue rank' },
        y: { field: 'eigenvalue', type: 'quantitative', scale: { type: 'symlog' } },
        color: { field: 'batch', type: 'nominal', title: 'batch size' },
        detail: { field: 'network', type: 'nominal' },
      },
    },
  };
  return [
    { name: 'sharpness.svg', svg: await renderSvg(sharpness) },
    { name: 'spectrum.svg', svg: await renderSvg(spectrum) },
  ];
}
