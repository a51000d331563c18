// Golden values from an independent implementation (fixtures/golden/generate.py:
// NumPy, complex-step and central differences, eigvalsh), checked against
// flatcheck's exact Hessian within the golden method's recorded error.
import { describe, expect, it } from 'vitest';
import { FLOAT64_UNIT_ROUNDOFF, fractionToNumber, rationalField as Q } from '../field/index.js';
import { datasetIn, networkIn } from '../network/index.js';
import { goldenFixtures } from '../../fixtures/golden/load.js';
import { lossHessian } from '../autodiff/derivatives.js';
import { frobeniusSquared, trace } from '../linalg/exact.js';
import { frobeniusNorm, spectralNorm } from './spectral.js';

const fixtures = goldenFixtures();

describe('golden Hessian values (NumPy finite differences) agree with the exact Hessian', () => {
  it('there are golden fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(4));

  it.each(fixtures)('$file', (fixture) => {
    const H = lossHessian(Q, networkIn(Q, fixture.network), datasetIn(Q, fixture.dataset));
    const H64 = H.map((row) => row.map(fractionToNumber));
    const n = H.length;
    // Our side's float error: rounding H to float64, and Jacobi's backward error (≤ 10n²·u·‖H‖_F).
    const ours = 10 * n * n * FLOAT64_UNIT_ROUNDOFF * frobeniusNorm(H64);
    const { values, errorEstimate } = fixture.golden;
    expect(Math.abs(spectralNorm(H64) - values.spectralNorm)).toBeLessThanOrEqual(errorEstimate.spectralNorm + ours);
    expect(Math.abs(fractionToNumber(trace(Q, H)) - values.trace)).toBeLessThanOrEqual(errorEstimate.trace + ours);
    expect(Math.abs(Math.sqrt(fractionToNumber(frobeniusSquared(Q, H))) - values.frobenius)).toBeLessThanOrEqual(errorEstimate.frobenius + ours);
  });
});
