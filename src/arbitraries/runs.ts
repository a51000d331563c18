/**
 * Run counts and seeds for every property: `FLATCHECK_RUNS=N` sets every
 * property's numRuns to N, `FLATCHECK_RUNS_SCALE=S` multiplies each
 * property's own default by S (the proof report's deep run), and
 * `FLATCHECK_SEED=S` replays a run (fast-check prints the seed and path of
 * every failure).
 */
import { InputError } from '../field/errors.js';

function envInteger(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new InputError(name, raw, 'an integer');
  return value;
}

/** fast-check parameters: `defaultRuns` unless FLATCHECK_RUNS says otherwise. */
export function runs(defaultRuns: number): { numRuns: number; seed?: number } {
  const numRuns = envInteger('FLATCHECK_RUNS') ?? defaultRuns * (envInteger('FLATCHECK_RUNS_SCALE') ?? 1);
  if (numRuns < 1) throw new InputError('FLATCHECK_RUNS', numRuns, 'a positive integer');
  const seed = envInteger('FLATCHECK_SEED');
  return seed === undefined ? { numRuns } : { numRuns, seed };
}
