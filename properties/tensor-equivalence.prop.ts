// Source: Dinh et al. (ICML 2017), Theorem 1 and §2, checked in float32 on
// the TensorFlow.js engine; THEORY.md §1. Float tolerances are the derived
// bounds of src/network/bounds.ts with u = 2^-24.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fitDataset, networkArbitrary, rawDatasetArbitrary, rawSymmetryArbitrary, runs, symmetryCase } from '../src/arbitraries/index.js';
import { FLOAT32_UNIT_ROUNDOFF, FLOAT64_UNIT_ROUNDOFF, float64Field } from '../src/field/index.js';
import { datasetIn, forward, networkIn, shapeOf } from '../src/network/index.js';
import { forwardErrorBound, mseLossGapBound } from '../src/network/bounds.js';
import { describeSymmetry, floatSymmetryPerturbation } from '../src/symmetry/index.js';
import { initTensorBackend, tensorForward, tf } from '../src/tensor/index.js';
import { covers } from '../src/report/covers.js';

const F = float64Field;
const u32 = FLOAT32_UNIT_ROUNDOFF;

let tensorsAtStart = 0;
beforeAll(async () => {
  await initTensorBackend();
  tensorsAtStart = tf.memory().numTensors;
});
afterAll(() => expect(tf.memory().numTensors).toBe(tensorsAtStart));

describe('Theorem 1 (tfjs float32): f_{Sθ}(x) = f_θ(x) within the derived float32 bound, scalings up to 1e±2', covers('theorem-1'), () => {
  it('tfjs outputs of θ and Sθ agree, and each agrees with the float64 engine', () => {
    fc.assert(
      fc.property(
        networkArbitrary({ weights: 'dyadic', maxWidth: 16 }),
        rawDatasetArbitrary({ values: 'dyadic' }),
        rawSymmetryArbitrary({ scales: 'float', decades: 2, compose: true }),
        (raw, rawData, rawSym) => {
          const { shape, sym, net, data, transformed } = symmetryCase(F, raw, rawData, rawSym);
          const rho = floatSymmetryPerturbation(sym, shape.sizes.length, FLOAT64_UNIT_ROUNDOFF);
          const before = tensorForward(net, data);
          const after = tensorForward(transformed, data);
          // Both sides are float32 evaluations of networks converted to float32 (relative u each).
          const b32 = forwardErrorBound(net, data.inputs, { u: u32, weightPerturbation: u32, inputPerturbation: u32 });
          const b32s = forwardErrorBound(transformed, data.inputs, { u: u32, weightPerturbation: rho + u32, inputPerturbation: u32 });
          const b64 = forwardErrorBound(net, data.inputs, { u: FLOAT64_UNIT_ROUNDOFF });
          const exact64 = forward(F, net, data.inputs);
          before.outputs.forEach((row, s) =>
            row.forEach((v, o) => {
              const gap = b32[s]![o]! + b32s[s]![o]!;
              expect(Math.abs(after.outputs[s]![o]! - v), `tfjs output [${s}][${o}] under ${describeSymmetry(sym)}`).toBeLessThanOrEqual(gap);
              expect(Math.abs(v - exact64[s]![o]!), `tfjs vs float64 output [${s}][${o}]`).toBeLessThanOrEqual(b32[s]![o]! + b64[s]![o]!);
            }),
          );
          const gaps = before.outputs.map((row, s) => row.map((_, o) => b32[s]![o]! + b32s[s]![o]!));
          expect(Math.abs(after.loss - before.loss)).toBeLessThanOrEqual(mseLossGapBound(before.outputs, data.targets, gaps, u32));
        },
      ),
      runs(100),
    );
  });
});

describe('tfjs discipline: no tensor leaks', () => {
  it('tf.memory().numTensors is unchanged after 1,000 forward passes', () => {
    const [raw] = fc.sample(networkArbitrary({ weights: 'dyadic', maxWidth: 8 }), { numRuns: 1, seed: 7 });
    const net = networkIn(F, raw!);
    const data = datasetIn(F, fitDataset(fc.sample(rawDatasetArbitrary({ values: 'dyadic' }), { numRuns: 1, seed: 7 })[0]!, shapeOf(raw!)));
    tensorForward(net, data); // the first call may allocate backend state
    const start = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) tensorForward(net, data);
    expect(tf.memory().numTensors).toBe(start);
  });
});
