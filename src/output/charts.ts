/**
 * Figures for the proof report: Vega-Lite specifications rendered to SVG in
 * Node (vega's headless view, no browser, no canvas: text widths are
 * estimated, which is fine for axis labels).
 */
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

export type VegaLiteSpec = vegaLite.TopLevelSpec;

export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
