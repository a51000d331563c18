/**
 * Which results of the proof report a test checks: it says so in vitest's
 * test metadata, `describe(title, covers('theorem-4'), () => …)` (or the same
 * on `it`/`test`), which every test inside inherits and the JSON reporter
 * writes out. The report gathers each theorem's checks by it (sections.ts);
 * a theorem that no check covers fails the report.
 */
export const THEOREM_IDS = ['theorem-1', 'theorem-2', 'theorem-3', 'theorem-4', 'theorem-5', 'theorem-6', 'converse', 'section-4-3', 'section-5', 'section-5-table'] as const;
export type TheoremId = (typeof THEOREM_IDS)[number];

declare module 'vitest' {
  interface TaskMeta {
    covers?: TheoremId[];
  }
}

/** Test options declaring the theorems a describe block (or a test) checks. */
export function covers(...ids: [TheoremId, ...TheoremId[]]): { meta: { covers: TheoremId[] } } {
  return { meta: { covers: ids } };
}
