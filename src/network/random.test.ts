import { describe, expect, it } from 'vitest';
import { InputError } from '../field/errors.js';
import { Terminating, terminatingField as T } from '../field/terminating.js';
import { lossGradientV2 } from '../autodiff/v2.js';
import { datasetIn } from './types.js';
import { ARCHITECTURES, randomDataset, randomDatasetV2, randomNetwork, randomNetworkV2, type NetworkV2Spec } from './random.js';
import { fromV1, networkV2In, outputShape, parameterCountV2, walkLayers, type LayerV2 } from './v2.js';
import { lossV2 } from './v2-forward.js';

const types = (spec: NetworkV2Spec) => {
  const seen: string[] = [];
  walkLayers(randomNetworkV2(spec, 1).layers, (l: LayerV2<unknown>) => seen.push(l.type));
  return seen;
};

describe('randomNetworkV2', () => {
  it('an mlp without batch norm is fromV1(randomNetwork) of the same seed', () => {
    for (const activation of ['relu', 'leaky-relu', 'linear'] as const) {
      for (const bias of [true, false]) {
        const v1 = randomNetwork({ inputSize: 3, hidden: [4, 2], outputSize: 2, activation, bias }, 7);
        const v2 = randomNetworkV2({ architecture: 'mlp', inputShape: [3], stages: [{ width: 4 }, { width: 2 }], outputSize: 2, activation, bias }, 7);
        expect(v2).toEqual(fromV1(v1));
      }
    }
  });

  it('the three architectures, with pools, batch norm and both skips, have the layers asked for and an exact loss and gradient', () => {
    const cnn: NetworkV2Spec = { architecture: 'cnn', inputShape: [1, 8, 8], stages: [{ width: 4, pool: { type: 'maxpool2d', size: 2 } }, { width: 4 }], outputSize: 3, activation: 'relu', bias: true };
    expect(types(cnn)).toEqual(['conv2d', 'activation', 'maxpool2d', 'conv2d', 'activation', 'flatten', 'dense']);
    expect(outputShape(randomNetworkV2(cnn, 1))).toEqual([3]);
    const resnet: NetworkV2Spec = { architecture: 'resnet', inputShape: [2, 5, 5], stages: [{ width: 2 }, { width: 3, stride: 2, pool: { type: 'avgpool2d', size: 2, stride: 1 } }], outputSize: 2, activation: 'relu', bias: false, batchnorm: 'eval' };
    expect(types(resnet)).toEqual(['residual', 'conv2d', 'batchnorm', 'activation', 'conv2d', 'batchnorm', 'activation', 'residual', 'conv2d', 'batchnorm', 'activation', 'conv2d', 'batchnorm', 'conv2d', 'activation', 'avgpool2d', 'flatten', 'dense']);
    const dense: NetworkV2Spec = { architecture: 'resnet', inputShape: [3], stages: [{ width: 3 }, { width: 2 }], outputSize: 1, activation: 'abs', bias: true };
    expect(types(dense)).toEqual(['residual', 'dense', 'activation', 'dense', 'activation', 'residual', 'dense', 'activation', 'dense', 'dense', 'activation', 'dense']);
    for (const spec of [cnn, resnet, dense]) {
      const raw = randomNetworkV2(spec, 2);
      expect(randomNetworkV2(spec, 2)).toEqual(raw);
      const net = networkV2In(T, raw);
      const data = datasetIn(T, randomDatasetV2(raw, { samples: 2, loss: 'mse' }, 3));
      expect(T.sign(lossV2(T, net, data))).toBe(1);
      expect(lossGradientV2(T, net, data)).toHaveLength(parameterCountV2(raw));
    }
  });

  it('weights are multiples of 2^-12, and every eval batch norm has σ² + ε the square of a dyadic rational r ≥ 1/4 with 1/r terminating', () => {
    const raw = randomNetworkV2({ architecture: 'cnn', inputShape: [2, 4, 4], stages: [{ width: 3, padding: 1 }, { width: 2, stride: 2 }], outputSize: 2, activation: 'relu', bias: true, batchnorm: 'eval' }, 5);
    let norms = 0;
    walkLayers(raw.layers, (l) => {
      if (l.type === 'dense' || l.type === 'conv2d') for (const w of [...l.weights, ...(l.bias ?? [])]) expect(Number.isInteger((w as number) * 4096)).toBe(true);
      if (l.type === 'batchnorm') {
        norms++;
        l.runningVariance.forEach((v, c) => {
          const root = T.sqrt(T.add(T.fromScalar(v), T.fromScalar(l.epsilon[c]!)))!;
          expect(root).toBeDefined();
          expect(Number.isInteger(T.toNumber(root) * 64)).toBe(true);
          expect(T.toNumber(root)).toBeGreaterThanOrEqual(1 / 4);
          expect(T.div(T.one, root)).toBeInstanceOf(Terminating);
        });
      }
    });
    expect(norms).toBe(2);
  });

  it('randomDatasetV2 is randomDataset at the flattened input size', () => {
    const raw = randomNetworkV2({ architecture: 'cnn', inputShape: [2, 3, 3], stages: [{ width: 1 }], outputSize: 3, activation: 'relu', bias: true }, 1);
    expect(randomDatasetV2(raw, { samples: 2, loss: 'cross-entropy' }, 4)).toEqual(randomDataset({ inputSize: 18, outputSize: 3, samples: 2, loss: 'cross-entropy' }, 4));
  });

  it('refuses a spec that does not fit, naming the field', () => {
    const base = { outputSize: 1, activation: 'relu', bias: true } as const;
    expect(ARCHITECTURES).toEqual(['mlp', 'cnn', 'resnet']);
    const fails = (spec: NetworkV2Spec, field: string) => {
      expect(() => randomNetworkV2(spec, 1)).toThrow(InputError);
      expect(() => randomNetworkV2(spec, 1)).toThrow(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}:`));
    };
    fails({ ...base, architecture: 'cnn', inputShape: [4], stages: [] }, 'inputShape');
    fails({ ...base, architecture: 'mlp', inputShape: [1, 3, 3], stages: [] }, 'inputShape');
    fails({ ...base, architecture: 'resnet', inputShape: [1, 3, 3], stages: [{ width: 1, kernel: 2 }] }, 'stages[0].kernel');
    fails({ ...base, architecture: 'resnet', inputShape: [1, 3, 3], stages: [{ width: 2, skip: 'identity' }] }, 'stages[0].skip');
    fails({ ...base, architecture: 'cnn', inputShape: [1, 3, 3], stages: [{ width: 1, kernel: 5 }] }, 'layers[0].weights');
    fails({ ...base, architecture: 'resnet', inputShape: [3], stages: [{ width: 3, pool: { type: 'maxpool2d', size: 2 } }] }, 'stages[0].pool');
  });
});
