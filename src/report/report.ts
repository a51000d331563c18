/** The proof report's data, as summary.json holds it and index.md and index.html render it. */
import type { ConformanceMatrix } from './conformance.js';
import type { LayeredConformance } from './layered.js';
import type { CurvatureFigure, Figure5, SharpnessFigure } from './figures.js';
import type { TheoremSection } from './sections.js';
import type { ProofSummary } from './summary.js';

/**
 * An optional section appended to the report (e.g. an experiment): its
 * Markdown (starting with a `## ` heading, which the contents list uses), its
 * facts for summary.json, and SVG figures written to figures/NAME (link them
 * from the Markdown as `figures/NAME`).
 */
export interface ExtraSection {
  markdown: string;
  json: unknown;
  figures: { name: string; svg: string }[];
  /** Whether what the section checks holds (the report's verdict and exit code include it). */
  ok: boolean;
}

export interface FigureData {
  curvature: CurvatureFigure;
  sharpness: SharpnessFigure;
  figure5: Figure5;
}

/** Everything the report says, as summary.json holds it. */
export interface ProofReport extends ProofSummary {
  /** Every check passed, every witness certified, every declared metric claim held, every layered verdict matched. */
  ok: boolean;
  theorems: TheoremSection[];
  conformance: ConformanceMatrix;
  /** The suite's verdicts on conv and residual networks, held to their known answers. */
  layered: LayeredConformance;
  figures: { files: Record<keyof FigureData | 'conformance', string>; data: FigureData };
  extra: unknown[];
}
