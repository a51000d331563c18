/**
 * The metric registry: every file in src/metrics/reference/ default-exports
 * one metric. Adding a metric is adding a file; nothing else changes. From
 * dist/ the directory holds the compiled .js files (and their .d.ts, skipped).
 */
import { readdirSync } from 'node:fs';
import { InputError } from '../field/errors.js';
import type { Metric } from './contract.js';

const DIRECTORY = new URL('./reference/', import.meta.url);

export function isMetric(x: unknown): x is Metric {
  return typeof x === 'object' && x !== null && typeof (x as Metric).id === 'string' && typeof (x as Metric).evaluate === 'function';
}

export async function loadRegistry(): Promise<Metric[]> {
  const files = readdirSync(DIRECTORY).filter((f) => /\.(ts|js|mjs)$/.test(f) && !/\.(test|d)\.ts$/.test(f)).sort();
  const metrics: Metric[] = [];
  for (const file of files) {
    const module = (await import(new URL(file, DIRECTORY).href)) as { default?: unknown };
    if (!isMetric(module.default)) throw new InputError(`src/metrics/reference/${file}`, typeof module.default, 'a default export with an id and an evaluate(ctx) function');
    metrics.push(module.default);
  }
  const ids = new Set<string>();
  for (const m of metrics) {
    if (ids.has(m.id)) throw new InputError('metric.id', m.id, 'an id used by one metric only');
    ids.add(m.id);
  }
  return metrics;
}
