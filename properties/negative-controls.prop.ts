// Source: Dinh et al. (ICML 2017), Theorem 1 and THEORY.md §1: homogeneity
// holds only for α ≥ 0 and only for rectifier-like activations, and a
// permutation must move the next layer's columns too. Each control below is a
// property that must FAIL; the suite checks that fast-check catches it and
// shrinks the counterexample to a small network.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import {
  exactScale, expectFailure, fitDataset, fitSymmetry, networkArbitrary, rawDatasetArbitrary, rawSymmetryArbitrary, runs,
} from '../src/arbitraries/index.js';
import { float64Field, rationalField, type Scalar } from '../src/field/index.js';
import { datasetIn, flatten, forward, networkIn, sameOutputs, parameterCount, shapeOf, unflatten, type Network, type ScalarNetwork } from '../src/network/index.js';
import { forwardErrorBound } from '../src/network/bounds.js';
import { applyMap, applySymmetry, floatSymmetryPerturbation, unvalidatedSymmetryMap, type Symmetry } from '../src/symmetry/index.js';
import { covers } from '../src/report/covers.js';

const Q = rationalField;

/**
 * A small counterexample: at most two hidden layers of at most two units and
 * at most four non-zero parameters. (Shrinking the network, its inputs and its
 * symmetry separately can stop in a local minimum — an inert zero column, or a
 * second layer that carries the only non-trivial α — which is still small.)
 */
function expectSmall(net: ScalarNetwork, label: string, message: string): void {
  const shape = shapeOf(net);
  const nonZero = flatten(net).filter((x) => (typeof x === 'number' ? x !== 0 : x.n !== 0n)).length;
  console.info(`${label}: caught; shrunk counterexample has ${shape.sizes.length - 1} hidden layer(s), widths [${shape.sizes.join(', ')}], ${parameterCount(shape)} parameters (${nonZero} non-zero)\n${message}`);
  expect(shape.sizes.length - 1).toBeLessThanOrEqual(2);
  expect(Math.max(...shape.sizes.slice(0, -1))).toBeLessThanOrEqual(2);
  expect(nonZero).toBeLessThanOrEqual(4);
}

describe('Negative control: a negative scale is not a symmetry (φ(−z) ≠ −φ(z))', covers('theorem-1'), () => {
  it('neuron-scale with c < 0 on a ReLU network changes the outputs, and the shrunk counterexample is small', () => {
    const negative = exactScale().map((c): Scalar => c.neg());
    const caught = expectFailure(
      fc.property(networkArbitrary({ activations: ['relu'], maxWidth: 8 }), rawDatasetArbitrary(), rawSymmetryArbitrary({ kinds: ['neuron-scale'], scaleArbitrary: negative }), (raw, rawData, rawSym) => {
        const shape = shapeOf(raw);
        const net = networkIn(Q, raw);
        const sym = fitSymmetry(rawSym, shape);
        const moved = unflatten(net, applyMap(Q, unvalidatedSymmetryMap(Q, shape, sym), flatten(net)));
        return sameOutputs(Q, net, moved, datasetIn(Q, fitDataset(rawData, shape)).inputs);
      }),
      runs(200),
    );
    expectSmall(caught.counterexample[0], 'negative neuron-scale', caught.message);
  });

  it('the validated API rejects a negative α with an error naming the field', () => {
    const net = networkIn(Q, { inputSize: 1, layers: [{ weights: [[1]], activation: 'relu' }, { weights: [[1]], activation: 'linear' }] });
    const sym: Symmetry = { kind: 'layer-scale', alphas: [new Fraction(-2n, 1n), new Fraction(-1n, 2n)] };
    expect(() => applySymmetry(Q, net, sym)).toThrow('symmetry.alphas[0]: expected a positive finite scale, got -2');
  });
});

describe('Negative control: tanh and softplus are not homogeneous, so layer-scale is not their symmetry', covers('theorem-1'), () => {
  it.each(['tanh', 'softplus'] as const)('%s network under layer-scale: outputs differ beyond the float64 bound', (activation) => {
    const F = float64Field;
    const caught = expectFailure(
      fc.property(
        networkArbitrary({ activations: [activation], weights: 'dyadic', maxWidth: 8 }),
        rawDatasetArbitrary({ values: 'dyadic' }),
        rawSymmetryArbitrary({ kinds: ['layer-scale'], scales: 'float', decades: 3 }),
        (raw, rawData, rawSym) => {
          const shape = shapeOf(raw);
          const net = networkIn(F, raw);
          const sym = fitSymmetry(rawSym, shape);
          const moved = applySymmetry(F, net, sym);
          const inputs = datasetIn(F, fitDataset(rawData, shape)).inputs;
          const [a, b] = [forward(F, net, inputs), forward(F, moved, inputs)];
          const bound = forwardErrorBound(net, inputs, { u: F.unitRoundoff });
          const boundMoved = forwardErrorBound(moved, inputs, { u: F.unitRoundoff, weightPerturbation: floatSymmetryPerturbation(sym, shape.sizes.length, F.unitRoundoff) });
          return a.every((row, s) => row.every((v, o) => Math.abs(v - b[s]![o]!) <= bound[s]![o]! + boundMoved[s]![o]!));
        },
      ),
      runs(200),
    );
    expectSmall(caught.counterexample[0], `${activation} layer-scale`, caught.message);
  });
});

describe('Negative control: a permutation of the rows of W_k that leaves the columns of W_{k+1} alone is not a symmetry', covers('theorem-1'), () => {
  it('the half-applied permutation changes the outputs, and the shrunk counterexample is small', () => {
    const caught = expectFailure(
      fc.property(networkArbitrary({ maxWidth: 8 }), rawDatasetArbitrary(), fc.nat({ max: 5 }), (raw, rawData, layerChoice) => {
        const shape = shapeOf(raw);
        const net = networkIn(Q, raw);
        const k = Math.min(layerChoice, shape.sizes.length - 2); // clamped, as in fitSymmetry
        // Swap units 0 and 1 (a width-1 layer has nothing to swap): a choice that survives shrinking the layer.
        const swap = <T>(xs: T[]) => (xs.length < 2 ? xs : [xs[1]!, xs[0]!, ...xs.slice(2)]);
        const broken: Network<Fraction> = {
          inputSize: net.inputSize,
          layers: net.layers.map((l, i) => (i === k ? { ...l, weights: swap(l.weights), ...(l.bias ? { bias: swap(l.bias) } : {}) } : l)),
        };
        return sameOutputs(Q, net, broken, datasetIn(Q, fitDataset(rawData, shape)).inputs);
      }),
      runs(200),
    );
    expectSmall(caught.counterexample[0], 'rows-only permutation', caught.message);
  });
});
