import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FLOAT64_UNIT_ROUNDOFF as u64, float64Field } from '../field/index.js';
import { expectFailure, fitDataset, networkArbitrary, rawDatasetArbitrary, runs } from '../arbitraries/index.js';
import { datasetIn, loss, networkIn, parameterOffsets, shapeOf, type Dataset, type Network } from '../network/index.js';
import { gradientErrorBound, hessianErrorBound, sameActivationPattern, smoothGradientErrorBound } from './bounds.js';
import { lossGradient, lossHessian } from './derivatives.js';
import { Float64Problem } from './typed.js';

const cases = fc.tuple(
  networkArbitrary({ activations: ['relu', 'leaky-relu', 'abs', 'linear', 'tanh', 'softplus'], weights: 'dyadic', maxHidden: 3, maxWidth: 5, maxInput: 3, minOutput: 2, maxOutput: 3 }),
  rawDatasetArbitrary({ values: 'dyadic', maxSamples: 4 }),
  fc.constantFrom('mse' as const, 'cross-entropy' as const),
);
type Case = typeof cases extends fc.Arbitrary<infer C> ? C : never;

function prepared([raw, rawData, lossName]: Case) {
  const net = networkIn(float64Field, raw);
  const data = datasetIn(float64Field, fitDataset(rawData, shapeOf(raw), lossName));
  // Kinks: both engines must take the same side of every relu, so stay clear of them.
  fc.pre(sameActivationPattern(net, data.inputs, { u: 4 * u64 }));
  return { net, data, problem: new Float64Problem(net, data) };
}

/** Every entry of `typedHessian` within both engines' float64 bounds of the field code's Hessian. */
function hessiansAgree(c: Case, typedHessian: (problem: Float64Problem, net: Network<number>) => number[][]): boolean {
  const { net, data, problem } = prepared(c);
  const b = hessianErrorBound(net, data, { u: u64 });
  const H = lossHessian(float64Field, net, data);
  return typedHessian(problem, net).every((row, i) => row.every((v, j) => Math.abs(v - H[i]![j]!) <= 2 * b[i]![j]!));
}

/** Widths and sample counts past one 4 × 4 block of the product kernel, with remainders. */
const wide = fc.tuple(
  networkArbitrary({ activations: ['relu', 'tanh'], weights: 'dyadic', maxHidden: 2, maxWidth: 11, maxInput: 6, minOutput: 2, maxOutput: 4 }),
  rawDatasetArbitrary({ values: 'dyadic', minSamples: 5, maxSamples: 9 }),
  fc.constantFrom('mse' as const, 'cross-entropy' as const),
);

/** Every gradient entry within both engines' float64 bounds of the field code's: the mse bound, or the majorant bound for cross-entropy. */
function gradientsAgree(net: Network<number>, data: Dataset<number>, gradient: Float64Array): void {
  const g = lossGradient(float64Field, net, data);
  const b = data.loss === 'mse' ? gradientErrorBound(net, data, u64) : smoothGradientErrorBound(net, data, { u: u64 });
  gradient.forEach((v, i) => expect(Math.abs(v - g[i]!), `${data.loss} gradient entry ${i}`).toBeLessThanOrEqual(2 * b[i]!));
}

describe('the typed-array float64 engine (backprop and the R-operator) agrees with the field code', () => {
  it('loss, gradient and Hessian for every activation and both losses, within both engines\' float64 bounds', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(cases, (c) => {
        const { net, data, problem } = prepared(c);
        kinds.add(`${c[0].layers[0]!.activation} ${c[2]}`);
        expect(problem.loss()).toBeCloseTo(loss(float64Field, net, data), 12);
        expect(hessiansAgree(c, (p) => p.hessian())).toBe(true);
        gradientsAgree(net, data, problem.gradient());
      }),
      runs(100),
    );
    expect(kinds.size).toBe(12);
  });

  it('negative control: a Hessian with its cross-layer blocks dropped (a missing second-order term) is caught', () => {
    const withinLayers = (p: Float64Problem, net: Network<number>) => {
      const { weightOffset } = parameterOffsets(shapeOf(net));
      const layerOf = (i: number) => weightOffset.filter((o) => o <= i).length - 1;
      return p.hessian().map((row, i) => row.map((v, j) => (layerOf(i) === layerOf(j) ? v : 0)));
    };
    const caught = expectFailure(fc.property(cases, (c) => hessiansAgree(c, withinLayers)), runs(100));
    console.info(`typed engine without cross-layer blocks: caught, widths [${shapeOf(caught.counterexample[0][0]).sizes.join(', ')}], seed ${caught.seed}`);
  });

  it('past one 4 × 4 block of the product kernel (widths and sample counts over 4, with remainders): gradient and Hessian within the bounds', () => {
    let widest = 0;
    fc.assert(
      fc.property(wide, (c) => {
        const { net, data, problem } = prepared(c);
        widest = Math.max(widest, ...shapeOf(net).sizes);
        expect(hessiansAgree(c, (p) => p.hessian())).toBe(true);
        gradientsAgree(net, data, problem.gradient());
      }),
      runs(20),
    );
    expect(widest).toBeGreaterThan(4);
  });

  it('negative control: a cross-entropy gradient without its softmax term\'s 1/N is caught by the majorant bound', () => {
    const caught = expectFailure(
      fc.property(cases.filter((c) => c[2] === 'cross-entropy'), (c) => {
        const { net, data, problem } = prepared(c);
        gradientsAgree(net, data, problem.gradient().map((g) => g * data.inputs.length));
      }),
      runs(100),
    );
    console.info(`cross-entropy gradient ×N: caught, ${caught.counterexample[0][1].inputs.length} samples, seed ${caught.seed}`);
  });

  it('negative control: a Hessian whose weights of units past the first four of a layer are dropped is caught on those wide networks', () => {
    const firstBlockOnly = (p: Float64Problem, net: Network<number>) => {
      const { weightOffset, biasOffset, fanIn } = parameterOffsets(shapeOf(net));
      // The unit (output row) a parameter belongs to: W_k row-major, then b_k.
      const unit = (i: number) => {
        const k = weightOffset.filter((o) => o <= i).length - 1;
        const b = biasOffset[k]!;
        return b >= 0 && i >= b ? i - b : Math.floor((i - weightOffset[k]!) / fanIn[k]!);
      };
      return p.hessian().map((row, i) => row.map((v, j) => (unit(i) < 4 && unit(j) < 4 ? v : 0)));
    };
    const caught = expectFailure(fc.property(wide, (c) => hessiansAgree(c, firstBlockOnly)), runs(20));
    console.info(`typed engine without units past the first block: caught, widths [${shapeOf(caught.counterexample[0][0]).sizes.join(', ')}], seed ${caught.seed}`);
  });

  it('sums b + Σ w x in the field code\'s order, so both see the same kinks where rounding decides', () => {
    // (b + w₀x₀) + w₁x₁ against (w₀x₀ + w₁x₁) + b: 1e-16 is lost next to 1 in one order and kept in the other.
    const at = (bias: number, w1: number) => {
      const net = networkIn(float64Field, { inputSize: 2, layers: [{ weights: [[1, w1]], bias: [bias], activation: 'relu' }, { weights: [[1]], activation: 'linear' }] });
      const data = datasetIn(float64Field, { loss: 'mse', inputs: [[1, 1e-16]], targets: [[1]] });
      return { net, data, problem: new Float64Problem(net, data) };
    };
    const clear = at(-1, 1); // field: (−1 + 1) + 1e-16 > 0
    expect(Array.from(clear.problem.gradient())).toEqual(lossGradient(float64Field, clear.net, clear.data));
    const kink = at(1e-16, -1e16); // field: (1e-16 + 1) − 1 = 0, a kink
    expect(() => lossGradient(float64Field, kink.net, kink.data)).toThrow('pre-activation exactly 0');
    expect(() => kink.problem.gradient()).toThrow('pre-activation exactly 0');
  });

  it('refuses a kink and a wrong-sized vector', () => {
    const net = networkIn(float64Field, { inputSize: 1, layers: [{ weights: [[1]], bias: [0], activation: 'relu' }, { weights: [[1]], activation: 'linear' }] });
    const data = datasetIn(float64Field, { loss: 'mse', inputs: [[0]], targets: [[1]] });
    const problem = new Float64Problem(net, data);
    expect(() => problem.gradient()).toThrow('unit 0 has pre-activation exactly 0');
    expect(() => problem.hvp([1])).toThrow('expected a vector of 3 entries, got 1');
  });
});
