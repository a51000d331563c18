import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { terminatingField as T } from '../field/terminating.js';
import { datasetIn } from '../network/types.js';
import { networkV2In, outputShape, parameterCountV2, sequenceShapes, size, walkLayers } from '../network/v2.js';
import { lossV2 } from '../network/v2-forward.js';
import { featuresOfNetworkV2, networkV2AndDataArbitrary, networkV2Arbitrary } from './index.js';

/** Everything the v2 generator must reach. */
const REACH = [
  'dense', 'conv2d', 'maxpool2d', 'avgpool2d', 'flatten', 'batchnorm', 'activation', 'residual',
  'identity skip', 'conv2d projection skip', 'dense projection skip',
  'stride 2', 'padding 1', 'kernel 2×2', 'kernel 3×3', 'no bias', 'batchnorm eval',
  'relu', 'leaky-relu', 'abs',
];

describe('v2 network generators reach the interesting cases', () => {
  it('every layer type, both skip kinds, stride 2, padding 1, both pools, batch norm and bias-free layers (fc.statistics)', () => {
    const lines: string[] = [];
    fc.statistics(networkV2Arbitrary(), (net) => featuresOfNetworkV2(net), { numRuns: 1000, seed: 1, logger: (line) => lines.push(line) });
    console.info(lines.join('\n'));
    const reached = new Map(lines.map((line) => [line.replace(/\.+\d+\.\d+%$/, ''), Number(/(\d+\.\d+)%$/.exec(line)![1])]));
    // Each at least 4% of the networks, so a property of 100 cases meets it too.
    for (const feature of REACH) expect(reached.get(feature) ?? 0, feature).toBeGreaterThanOrEqual(4);
  });

  it('networks fit their shapes, stay under 100 parameters, and eval batch norms have exact roots', () => {
    for (const { network, dataset } of fc.sample(networkV2AndDataArbitrary(), { numRuns: 200, seed: 2 })) {
      expect(() => sequenceShapes(network.layers, network.inputShape)).not.toThrow();
      expect(outputShape(network)).toHaveLength(1);
      expect(parameterCountV2(network)).toBeLessThanOrEqual(100);
      expect(dataset.inputs.every((row) => row.length === size(network.inputShape))).toBe(true);
      walkLayers(network.layers, (l) => {
        if (l.type === 'batchnorm') l.runningVariance.forEach((v, c) => expect(T.sqrt(T.add(T.fromScalar(v), T.fromScalar(l.epsilon[c]!)))).toBeDefined());
      });
      expect(T.sign(lossV2(T, networkV2In(T, network), datasetIn(T, dataset)))).toBeGreaterThanOrEqual(0);
    }
  });

  it('a failing property shrinks the network to one small stage', () => {
    const conv = (net: Parameters<typeof featuresOfNetworkV2>[0]) => featuresOfNetworkV2(net).includes('conv2d');
    const details = fc.check(fc.property(networkV2Arbitrary({ architecture: 'cnn' }), (net) => !conv(net)), { seed: 3 });
    expect(details.failed).toBe(true);
    const net = details.counterexample![0];
    // [1, 3, 3] → conv2d 1×1 (one weight, no bias) → relu → flatten → dense 9 → 1 without bias.
    expect(net.inputShape).toEqual([1, 3, 3]);
    expect(net.layers.map((l) => l.type)).toEqual(['conv2d', 'activation', 'flatten', 'dense']);
    expect(parameterCountV2(net)).toBe(10);
  });

  it('options: one architecture, no batch norm, no pools, train-mode batch norm, always or never a bias', () => {
    const kinds = (options: Parameters<typeof networkV2Arbitrary>[0]) => new Set(fc.sample(networkV2Arbitrary(options), { numRuns: 200, seed: 4 }).flatMap(featuresOfNetworkV2));
    expect(kinds({ architecture: 'mlp' })).not.toContain('conv2d');
    expect(kinds({ architecture: 'resnet' })).toContain('residual');
    expect(kinds({ batchnorm: false, pools: false })).not.toContain('batchnorm');
    expect(kinds({ batchnorm: false, pools: false })).not.toContain('maxpool2d');
    expect(kinds({ batchnorm: 'train' })).toContain('batchnorm train');
    expect(kinds({ bias: 'always' })).not.toContain('no bias');
    expect(kinds({ bias: 'never', architecture: 'cnn' })).toContain('no bias');
    expect(kinds({ activations: ['tanh'] })).toContain('tanh');
  });
});
