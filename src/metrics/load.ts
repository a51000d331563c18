/** Loading a user's metric module (`flatcheck check MODULE`, and the isolated worker). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../field/errors.js';
import type { Metric } from './contract.js';
import { isMetric } from './registry.js';

/** The checks that need no import (the calling thread of an isolated metric makes them): the resolved path. */
export function checkMetricPath(path: string): string {
  const file = resolve(path);
  if (!/\.(m?js|ts)$/.test(file)) throw new InputError('MODULE', path, 'a .js, .mjs or .ts file');
  if (!existsSync(file)) throw new InputError('MODULE', path, 'an existing file');
  return file;
}

/** The default export of a .js, .mjs or .ts file, checked to be a metric; errors name MODULE and the cause. */
export async function loadMetricModule(path: string): Promise<Metric> {
  const file = checkMetricPath(path);
  let module: { default?: unknown };
  try {
    // tsx's tsImport loads a .ts module as ESM whatever its package.json says (a plain import of a .ts
    // file outside a "type": "module" package is compiled to CommonJS and cannot import flatcheck's ESM).
    // tsx is loaded only for a .ts module.
    module = (file.endsWith('.ts') ? await (await import('tsx/esm/api')).tsImport(pathToFileURL(file).href, import.meta.url) : await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    throw new InputError('MODULE', path, `a module that loads (${(e as Error).name}: ${(e as Error).message.split('\n')[0]})`);
  }
  // A .ts file compiled as CommonJS arrives as { default: module.exports }: unwrap one level.
  const candidate = isMetric(module.default) ? module.default : (module.default as { default?: unknown } | undefined)?.default;
  if (!isMetric(candidate)) throw new InputError('MODULE', path, 'a default export { id, evaluate(ctx) } (see defineMetric)');
  return candidate;
}
