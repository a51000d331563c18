// Source: docs/theory.md §3 (Theorems 3–6 rest on exact Hessians) and
// docs/theory.md §6 ("float tolerances come from an error bound"): the exact
// rational Hessian, the float64 analytic one and TensorFlow.js's float32
// double-backprop one agree entrywise within the derived bound of
// src/autodiff/bounds.ts, and so do their spectral norms and traces.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import { expectFailure, randomPointArbitrary, runs, type NetworkAndData } from '../src/arbitraries/index.js';
import { exactFraction, FLOAT32_UNIT_ROUNDOFF, FLOAT64_UNIT_ROUNDOFF, float64Field, rationalField as Q } from '../src/field/index.js';
import { datasetIn, networkIn, parameterOffsets, shapeOf, type Dataset, type Network } from '../src/network/index.js';
import { lossHessian } from '../src/autodiff/derivatives.js';
import { hessianErrorBound, sameActivationPattern } from '../src/autodiff/bounds.js';
import { denseTrace, frobeniusNorm, spectralNorm } from '../src/curvature/index.js';
import { initTensorBackend, tensorHessian, tf } from '../src/tensor/index.js';

beforeAll(async () => {
  await initTensorBackend();
});

const u32 = FLOAT32_UNIT_ROUNDOFF;
const u64 = FLOAT64_UNIT_ROUNDOFF;
const cases = randomPointArbitrary({ weights: 'dyadic', maxHidden: 3, maxWidth: 5, maxInput: 3, maxOutput: 2 }, { values: 'dyadic', maxSamples: 4 });

type ExactHessian = (net: Network<Fraction>, data: Dataset<Fraction>) => Fraction[][];

/** Eigen-solver error of Jacobi on an n×n matrix: backward stable, ‖E‖₂ ≤ 10n²·u·‖H‖_F (a generous p(n)). */
const solverError = (H: number[][]) => 10 * H.length ** 2 * u64 * frobeniusNorm(H);

/** Runs one case; returns false (a counterexample) when an engine leaves its bound. */
function enginesAgree({ network, dataset }: NetworkAndData, exactHessian: ExactHessian): boolean {
  const net = networkIn(float64Field, network);
  const data = datasetIn(float64Field, dataset);
  if (data.loss !== 'mse') throw new Error('unreachable: random points use mse');
  fc.pre(sameActivationPattern(net, data.inputs, { u: u32, inputPerturbation: u32 }));
  const exact = exactHessian(networkIn(Q, network), datasetIn(Q, dataset));
  const f64 = lossHessian(float64Field, net, data);
  const f32 = tensorHessian(net, data).hessian;
  const b64 = hessianErrorBound(net, data, { u: u64 });
  const b32 = hessianErrorBound(net, data, { u: u32, inputPerturbation: u32 });
  const within = (value: number, truth: Fraction, bound: number) => exactFraction(value).sub(truth).abs().compare(exactFraction(bound)) <= 0;
  const entries = exact.every((row, i) => row.every((h, j) => within(f64[i]![j]!, h, b64[i]![j]!) && within(f32[i]![j]!, h, b32[i]![j]!)));
  if (!entries) return false;
  const exact64 = exact.map((row) => row.map((h) => h.valueOf()));
  const traceGap = Math.abs(denseTrace(f32) - denseTrace(exact64));
  const traceBound = b32.reduce((s, row, i) => s + row[i]!, 0) + exact64.length * u64 * exact64.reduce((s, row, i) => s + Math.abs(row[i]!), 0) * 2;
  const normGap = Math.abs(spectralNorm(f32) - spectralNorm(exact64));
  // Weyl: |λ(Ĥ) − λ(H)| ≤ ‖Ĥ − H‖₂ ≤ ‖bound‖_F, plus each solver's own error and the rounding of H to float64.
  const normBound = frobeniusNorm(b32) + solverError(f32) + solverError(exact64) + u64 * frobeniusNorm(exact64);
  return traceGap <= traceBound && normGap <= normBound;
}

describe('Engines agree: exact vs float64 vs tfjs float32 Hessians, spectral norms and traces, within derived bounds', () => {
  it('every entry, the trace and the spectral norm agree at random points', () => {
    let checked = 0;
    fc.assert(
      fc.property(cases, (c) => {
        const ok = enginesAgree(c, (n, d) => lossHessian(Q, n, d));
        checked++;
        expect(ok).toBe(true);
      }),
      runs(60),
    );
    // Cases on or near a kink are discarded; most must still be checked.
    expect(checked).toBeGreaterThan(runs(60).numRuns / 2);
    expect(tf.memory().numTensors).toBeLessThan(50);
  });

  it('negative control: an exact Hessian with its cross-layer blocks dropped is caught', () => {
    const dropped: ExactHessian = (n, d) => {
      const { weightOffset } = parameterOffsets(shapeOf(n));
      const layerOf = (p: number) => weightOffset.filter((o) => o <= p).length - 1;
      return lossHessian(Q, n, d).map((row, i) => row.map((v, j) => (layerOf(i) === layerOf(j) ? v : Q.zero)));
    };
    const caught = expectFailure(fc.property(cases, (c) => enginesAgree(c, dropped)), runs(100));
    const shape = shapeOf(caught.counterexample[0].network);
    console.info(`dropped cross-layer blocks: caught against tfjs, widths [${shape.sizes.join(', ')}], seed ${caught.seed}`);
    expect(shape.sizes.length).toBe(2);
  });
});
