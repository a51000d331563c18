/**
 * Negative controls: a property that *must* fail. `expectFailure` runs it,
 * demands a counterexample, and returns the shrunk one (with the seed that
 * replays it) for the caller to check it is small.
 */
import fc from 'fast-check';

export interface CaughtCounterexample<Ts> {
  counterexample: Ts;
  seed: number;
  path: string;
  numShrinks: number;
  message: string;
}

export function expectFailure<Ts extends [unknown, ...unknown[]]>(
  property: fc.IProperty<Ts>,
  params: fc.Parameters<Ts>,
): CaughtCounterexample<Ts> {
  const details = fc.check(property, params);
  if (!details.failed || details.counterexample === null) {
    throw new Error(`negative control was not caught: ${details.numRuns} cases passed (seed ${details.seed})`);
  }
  // Caught for the right reason: the property returned false or an assertion failed, not a crash.
  const error = details.errorInstance;
  const expected = error instanceof Error && (error.name === 'AssertionError' || /returning false/.test(error.message));
  if (!expected) throw new Error(`negative control failed for an unexpected reason (seed ${details.seed}): ${String(error)}`);
  return {
    counterexample: details.counterexample,
    seed: details.seed,
    path: details.counterexamplePath ?? '',
    numShrinks: details.numShrinks,
    message: fc.defaultReportMessage(details) ?? '',
  };
}
