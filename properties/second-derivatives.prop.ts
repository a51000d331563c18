// Second derivatives on every engine: TensorFlow.js's double-backprop
// Hessian of networks with tanh or softplus units, or with the cross-entropy
// loss, agrees entrywise with the float64 forward-over-reverse Hessian within
// the derived bound of src/autodiff/bounds.ts (majorant arithmetic). The
// negative control runs tfjs's own tanh, whose second derivative drops the
// tanh·tanh″ term, and must be caught.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { expectFailure, fitDataset, networkArbitrary, rawDatasetArbitrary, runs } from '../src/arbitraries/index.js';
import { FLOAT32_UNIT_ROUNDOFF as u32, FLOAT64_UNIT_ROUNDOFF as u64, float64Field } from '../src/field/index.js';
import { datasetIn, networkIn, shapeOf, type ScalarDataset, type ScalarNetwork } from '../src/network/index.js';
import { lossHessian } from '../src/autodiff/derivatives.js';
import { hessianErrorBound, sameActivationPattern } from '../src/autodiff/bounds.js';
import { initTensorBackend, tensorHessian, tf, TWICE_DIFFERENTIABLE, type SmoothOps } from '../src/tensor/index.js';

beforeAll(async () => {
  await initTensorBackend();
});

const TFJS_OWN: SmoothOps = { tanh: tf.tanh, softplus: tf.softplus, logSumExp: (x) => tf.logSumExp(x, 1) as tf.Tensor1D };

interface Case {
  network: ScalarNetwork;
  dataset: ScalarDataset;
}

/** tanh, softplus or relu hidden units; mse or cross-entropy (relu only with cross-entropy: relu + mse is engines.prop.ts). */
function cases(activations: readonly ('tanh' | 'softplus' | 'relu')[], losses: readonly ScalarDataset['loss'][]): fc.Arbitrary<Case> {
  return fc
    .tuple(networkArbitrary({ activations, weights: 'dyadic', maxHidden: 2, maxWidth: 5, maxInput: 3, minOutput: 2, maxOutput: 3 }), rawDatasetArbitrary({ values: 'dyadic', maxSamples: 4 }), fc.constantFrom(...losses))
    .filter(([net, , loss]) => loss === 'cross-entropy' || net.layers[0]!.activation !== 'relu')
    .map(([network, raw, loss]) => ({ network, dataset: fitDataset(raw, shapeOf(network), loss) }));
}

/** False (a counterexample) when some tfjs entry leaves the float32 bound plus the float64 reference's own. */
function tfjsAgrees({ network, dataset }: Case, ops: SmoothOps): boolean {
  const net = networkIn(float64Field, network);
  const data = datasetIn(float64Field, dataset);
  // relu units must keep their side in float32 (tanh and softplus have no side).
  fc.pre(sameActivationPattern(net, data.inputs, { u: u32, inputPerturbation: u32 }));
  const reference = lossHessian(float64Field, net, data);
  const b64 = hessianErrorBound(net, data, { u: u64 });
  const b32 = hessianErrorBound(net, data, { u: u32, inputPerturbation: u32 });
  const f32 = tensorHessian(net, data, ops).hessian;
  return f32.every((row, i) => row.every((v, j) => Math.abs(v - reference[i]![j]!) <= b32[i]![j]! + b64[i]![j]!));
}

const kind = (c: Case) => `${c.network.layers[0]!.activation} + ${c.dataset.loss}`;

describe('tfjs second derivatives through tanh, softplus and the softmax agree with float64 forward-over-reverse within the derived bound', () => {
  it('every Hessian entry, on tanh, softplus and cross-entropy networks', () => {
    const arbitrary = cases(['tanh', 'softplus', 'relu'], ['mse', 'cross-entropy']);
    // The generator reaches every kind (printed; each must appear).
    const seen = new Set<string>();
    fc.statistics(arbitrary, (c) => {
      seen.add(kind(c));
      return kind(c);
    }, { numRuns: 200, logger: (line) => console.info(line) });
    expect([...seen].sort()).toEqual(['relu + cross-entropy', 'softplus + cross-entropy', 'softplus + mse', 'tanh + cross-entropy', 'tanh + mse']);
    let checked = 0;
    fc.assert(
      fc.property(arbitrary, (c) => {
        const ok = tfjsAgrees(c, TWICE_DIFFERENTIABLE);
        checked++;
        expect(ok).toBe(true);
      }),
      runs(60),
    );
    expect(checked).toBeGreaterThan(runs(60).numRuns / 2);
    expect(tf.memory().numTensors).toBeLessThan(50);
  });

  it("negative control: tfjs's own tanh (the tanh·tanh″ term dropped) is caught, on a small network", () => {
    const caught = expectFailure(fc.property(cases(['tanh'], ['mse']), (c) => tfjsAgrees(c, TFJS_OWN)), runs(100));
    const shape = shapeOf(caught.counterexample[0].network);
    console.info(`tfjs's own tanh: caught, widths [${shape.sizes.join(', ')}], seed ${caught.seed}`);
    expect(shape.sizes.length).toBeLessThanOrEqual(3);
  });
});
