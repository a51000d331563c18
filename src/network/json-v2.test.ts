import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Fraction } from 'fraction.js';
import { networkArbitrary, runs } from '../arbitraries/index.js';
import type { Field, Scalar } from '../field/field.js';
import { InputError } from '../field/errors.js';
import { float64Field } from '../field/float64.js';
import { rationalField, toFraction } from '../field/rational.js';
import { networkIn, networkToJson, parseNetwork } from './index.js';
import { MAX_RESIDUAL_DEPTH, networkV2ToJson, parseNetworkV2 } from './json-v2.js';
import { fromV1, mapNetworkV2, networkV2In, outputShape, toV1, type NetworkV2 } from './v2.js';
import { plainScalars, v2NetworkFile } from '../../properties/v2-files.js';

type Json = Record<string, unknown>;
const clone = <T>(x: T): T => structuredClone(x);

/** [1, 3, 3] → conv2d → [2, 2, 2] → relu → maxpool → [2, 1, 1] → residual (batchnorm, relu) → flatten → dense → [1]. */
const conv: Json = {
  format: 'flatcheck.network/v2',
  inputShape: [1, 3, 3],
  layers: [
    { type: 'conv2d', weights: [[[[1, 0], [0, -1]]], [[['1/2', 2], [3, '-1/3']]]], bias: [0, '1/2'] },
    { type: 'activation', activation: 'relu' },
    { type: 'maxpool2d', size: 2 },
    { type: 'residual', body: [{ type: 'batchnorm', mode: 'eval', gamma: [1, 2], beta: [0, '1/4'], runningMean: [0, 1], runningVariance: [3, '5/4'], epsilon: 1 }, { type: 'activation', activation: 'relu' }] },
    { type: 'flatten' },
    { type: 'dense', weights: [[1, -1]] },
  ],
};

/** The InputError parseNetworkV2 throws on `file`. */
function errorOf(file: unknown): InputError {
  try {
    parseNetworkV2(file);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error(`accepted: ${JSON.stringify(file)}`);
}

const withLayer = (k: number, change: (l: Json) => void) => {
  const f = clone(conv);
  change((f.layers as Json[])[k]!);
  return f;
};
const residualOf = (skip: Json, body: Json[] = [{ type: 'activation', activation: 'relu' }]) => ({ format: 'flatcheck.network/v2', inputShape: [2, 2, 2], layers: [{ type: 'residual', body, skip }] });

describe('parseNetworkV2: valid files', () => {
  it('stores parameters flat in θ order: conv weights [out][in][kh][kw] row-major, ε expanded per channel, defaults filled in', () => {
    const net = parseNetworkV2(conv);
    expect(net.inputShape).toEqual([1, 3, 3]);
    const c = net.layers[0]!;
    expect(c).toMatchObject({ type: 'conv2d', inChannels: 1, outChannels: 2, kernelHeight: 2, kernelWidth: 2, stride: 1, padding: 0 });
    expect((c as { weights: Scalar[] }).weights.map((x) => toFraction(x).toFraction())).toEqual(['1', '0', '0', '-1', '1/2', '2', '3', '-1/3']);
    expect(net.layers[2]).toEqual({ type: 'maxpool2d', size: 2, stride: 2 });
    const bn = (net.layers[3] as { body: { epsilon?: unknown }[] }).body[0]!;
    expect(bn.epsilon).toEqual([1, 1]);
    expect(net.layers[5]).toEqual({ type: 'dense', inputs: 2, outputs: 1, weights: [1, -1] });
  });

  it('a JSON number in text means its decimal; train mode defaults its running statistics to 0 and 1', () => {
    const text = '{"format": "flatcheck.network/v2", "inputShape": [2], "layers": [{"type": "batchnorm", "mode": "train", "gamma": [0.1, 1], "beta": [0, 0], "epsilon": 1e-5}]}';
    const bn = parseNetworkV2(text).layers[0] as { gamma: Scalar[]; runningMean: Scalar[]; runningVariance: Scalar[]; epsilon: Scalar[] };
    expect(bn.gamma[0]).toEqual(new Fraction(1n, 10n));
    expect(bn.epsilon.map((e) => (e as Fraction).toFraction())).toEqual(['1/100000', '1/100000']);
    expect(bn.runningMean).toEqual([0, 0]);
    expect(bn.runningVariance).toEqual([1, 1]);
  });

  it('the example of docs/formats.md loads', () => {
    const docs = readFileSync(join(import.meta.dirname, '../../docs/formats.md'), 'utf8');
    const example = [...docs.matchAll(/```json\n([^`]*)```/g)].map((m) => m[1]!).find((text) => text.includes('flatcheck.network/v2'));
    expect(outputShape(parseNetworkV2(example!))).toEqual([1]);
  });

  it('a v1 file loads as the v2 network fromV1 makes of it, with parseNetwork\'s errors', () => {
    const v1 = { format: 'flatcheck.network/v1', inputSize: 2, layers: [{ weights: [[1, '-1/2'], ['3/4', 2]], bias: [0, '1/3'], activation: 'relu' }, { weights: [[1, -1]], activation: 'linear' }] };
    expect(parseNetworkV2(v1)).toEqual(fromV1(parseNetwork(v1)));
    expect(errorOf({ ...v1, extra: 1 }).message).toBe('network.extra: expected no such field (allowed: format, inputSize, layers), got 1');
    expect(errorOf({ ...v1, inputSize: 3 }).field).toBe('layers[0].weights[0]');
  });

  it('toV1 gives back the v1 network of a v1 file, so v1 files keep their v1 code paths', () => {
    fc.assert(
      fc.property(networkArbitrary({ maxWidth: 3, maxHidden: 2 }), (net) => {
        const file = networkToJson(rationalField, networkIn(rationalField, net));
        expect(toV1(parseNetworkV2(file))).toEqual(parseNetwork(file));
      }),
      runs(100),
    );
  });

  it(`accepts residual blocks nested ${MAX_RESIDUAL_DEPTH} deep, and names the block one deeper`, () => {
    const nest = (depth: number): Json => (depth === 0 ? { type: 'activation', activation: 'relu' } : { type: 'residual', body: [nest(depth - 1)] });
    expect(parseNetworkV2({ format: 'flatcheck.network/v2', inputShape: [1], layers: [nest(MAX_RESIDUAL_DEPTH)] }).layers).toHaveLength(1);
    const e = errorOf({ format: 'flatcheck.network/v2', inputShape: [1], layers: [nest(MAX_RESIDUAL_DEPTH + 1)] });
    expect(e.field).toBe(`layers[0]${'.body[0]'.repeat(MAX_RESIDUAL_DEPTH)}`);
    expect(e.message).toContain(`residual blocks nested at most ${MAX_RESIDUAL_DEPTH} deep, got "a residual block nested ${MAX_RESIDUAL_DEPTH + 1} deep"`);
  });
});

describe('parseNetworkV2: every error names the field and the value', () => {
  const cases: [string, unknown, string, string][] = [
    ['an unknown format', { ...conv, format: 'flatcheck.network/v3' }, 'format', 'expected "flatcheck.network/v1" or "flatcheck.network/v2", got "flatcheck.network/v3"'],
    ['an unknown root key', { ...conv, inputSize: 3 }, 'network.inputSize', 'no such field (allowed: format, inputShape, layers), got 3'],
    ['a two-axis input shape', { ...conv, inputShape: [3, 3] }, 'inputShape', '[n] (features) or [C, H, W] (channels, height, width), got [3,3]'],
    ['a zero input size', { ...conv, inputShape: [1, 0, 3] }, 'inputShape[1]', 'a positive integer, got 0'],
    ['no layers', { ...conv, layers: [] }, 'layers', 'a non-empty array, got []'],
    ['an unknown layer type', withLayer(1, (l) => (l.type = 'conv3d')), 'layers[1].type', 'one of "dense", "conv2d", "maxpool2d", "avgpool2d", "flatten", "batchnorm", "activation", "residual", got "conv3d"'],
    ['a layer without a type', withLayer(4, (l) => delete l.type), 'layers[4].type', 'got nothing'],
    ['a layer that is not an object', { ...conv, layers: [3] }, 'layers[0]', 'an object, got 3'],
    ['a key a flatten layer does not have', withLayer(4, (l) => (l.size = 2)), 'layers[4].size', 'no such field (allowed: type), got 2'],
    ['an unknown key', withLayer(0, (l) => (l.kernel = 3)), 'layers[0].kernel', 'no such field (allowed: type, weights, bias, stride, padding), got 3'],
    ['a zero pool size', withLayer(2, (l) => (l.size = 0)), 'layers[2].size', 'a positive integer, got 0'],
    ['a fractional stride', withLayer(0, (l) => (l.stride = 1.5)), 'layers[0].stride', 'a positive integer, got 1.5'],
    ['a string stride', withLayer(2, (l) => (l.stride = '2')), 'layers[2].stride', 'a positive integer, got "2"'],
    ['a negative padding', withLayer(0, (l) => (l.padding = -1)), 'layers[0].padding', 'a non-negative integer, got -1'],
    ['ragged conv weights (in channels)', withLayer(0, (l) => ((l.weights as unknown[][])[1] = [[[1, 2], [3, 4]], [[1, 2], [3, 4]]])), 'layers[0].weights[1]', 'an array of length 1 (it has 2)'],
    ['ragged conv weights (a kernel row)', withLayer(0, (l) => ((l.weights as unknown[][][][])[1]![0]![1] = [3])), 'layers[0].weights[1][0][1]', 'an array of length 2 (it has 1), got [3]'],
    ['3-D conv weights', withLayer(0, (l) => (l.weights = [[[1, 0], [0, -1]]])), 'layers[0].weights[0][0][0]', 'an array, got 1'],
    ['empty dense weights', withLayer(5, (l) => (l.weights = [])), 'layers[5].weights', 'a non-empty array, got []'],
    ['an empty dense row', withLayer(5, (l) => (l.weights = [[]])), 'layers[5].weights[0]', 'a non-empty array, got []'],
    ['ragged dense weights', withLayer(5, (l) => (l.weights = [[1, -1], [1]])), 'layers[5].weights[1]', 'an array of length 2 (it has 1), got [1]'],
    ['a bias of the wrong length', withLayer(0, (l) => (l.bias = [0, 1, 2])), 'layers[0].bias', 'an array of length 2 (it has 3), got [0,1,2]'],
    ['a weight that is not a number', withLayer(0, (l) => ((l.bias as unknown[])[1] = '1/0')), 'layers[0].bias[1]', 'a number or an exact rational string like "-3/7", got "1/0"'],
    ['an unknown activation', withLayer(1, (l) => (l.activation = 'gelu')), 'layers[1].activation', 'one of "relu", "leaky-relu", "abs", "linear", "tanh", "softplus", got "gelu"'],
    ['leaky-relu without a slope', withLayer(1, (l) => (l.activation = 'leaky-relu')), 'layers[1].slope', 'a slope for leaky-relu, got nothing'],
    ['a slope on relu', withLayer(1, (l) => (l.slope = 2)), 'layers[1].slope', 'no slope for activation "relu", got 2'],
    ['a batchnorm mode not eval or train', bnCase((b) => (b.mode = 'test')), 'layers[3].body[0].mode', '"eval" or "train", got "test"'],
    ['a batchnorm β of the wrong length', bnCase((b) => (b.beta = [0])), 'layers[3].body[0].beta', 'an array of length 2 (it has 1), got [0]'],
    ['running means of the wrong length', bnCase((b) => (b.runningMean = [0, 1, 2])), 'layers[3].body[0].runningMean', 'an array of length 2 (it has 3)'],
    ['eval mode without running means', bnCase((b) => delete b.runningMean), 'layers[3].body[0].runningMean', '2 values, one per channel (required in eval mode), got nothing'],
    ['a negative running variance', bnCase((b) => (b.runningVariance = [3, '-1/4'])), 'layers[3].body[0].runningVariance[1]', 'a variance, at least 0, got "-1/4"'],
    ['ε = 0', bnCase((b) => (b.epsilon = 0)), 'layers[3].body[0].epsilon', 'a positive number (ε > 0), got 0'],
    ['a negative ε for one channel', bnCase((b) => (b.epsilon = [1, '-1/100'])), 'layers[3].body[0].epsilon[1]', 'a positive number (ε > 0), got "-1/100"'],
    ['ε for too few channels', bnCase((b) => (b.epsilon = [1])), 'layers[3].body[0].epsilon', 'an array of length 2 (it has 1)'],
    ['no ε', bnCase((b) => delete b.epsilon), 'layers[3].body[0].epsilon', 'ε > 0: one number, or one per channel, got nothing'],
    ['an empty residual body', withLayer(3, (l) => (l.body = [])), 'layers[3].body', 'a non-empty array, got []'],
    ['a 3×3 convolution as the skip', residualOf({ type: 'conv2d', weights: [[[[1, 1, 1], [1, 1, 1], [1, 1, 1]], [[1, 1, 1], [1, 1, 1], [1, 1, 1]]]], padding: 1 }), 'layers[0].skip.weights', 'a 1×1 convolution for a projection skip, got "3×3 kernels"'],
    ['a batchnorm as the skip', residualOf({ type: 'batchnorm', mode: 'eval', gamma: [1, 1], beta: [0, 0], runningMean: [0, 0], runningVariance: [1, 1], epsilon: 1 }), 'layers[0].skip.type', '"dense" or "conv2d" (a projection: a dense layer or a 1×1 convolution), got "batchnorm"'],
    // Shapes (sequenceShapes): the layer whose parameters do not fit its input.
    ['dense after a [C, H, W] value without flatten', withLayer(4, (l) => Object.assign(l, { type: 'activation', activation: 'abs' })), 'layers[5].type', 'a layer for a [n] input (it sees [2, 1, 1]: put a flatten before it), got "dense"'],
    ['a channel mismatch', { ...conv, inputShape: [2, 3, 3] }, 'layers[0].weights', '2 input channels per filter (the layer\'s input has 2), got "2×1×2×2"'],
    ['a kernel larger than its padded input', { ...conv, inputShape: [1, 1, 3] }, 'layers[0].weights', 'kernels no larger than the padded input 1×3, got "2×2 kernels"'],
    ['a pool window larger than its input', withLayer(2, (l) => (l.size = 3)), 'layers[2].size', 'a window no larger than the input 2×2, got 3'],
    ['a pool on a [n] value', { format: 'flatcheck.network/v2', inputShape: [4], layers: [{ type: 'avgpool2d', size: 2 }] }, 'layers[0].type', 'a layer for a [C, H, W] input (avgpool2d sees the shape [4]; use it before flatten)'],
    ['batchnorm arrays for another channel count', bnCase((b) => Object.assign(b, { gamma: [1], beta: [0], runningMean: [0], runningVariance: [1] })), 'layers[3].body[0].gamma', '2 values, one per channel, got 1'],
    ['a dense layer of the wrong width', withLayer(5, (l) => (l.weights = [[1, -1, 2]])), 'layers[5].weights', 'rows of 2 weights (the layer\'s input has 2 features), got "1×3"'],
    ['a residual body whose shape the identity skip does not have', withLayer(3, (l) => (l.body = [{ type: 'conv2d', weights: [[[[1]], [[1]]]] }])), 'layers[3].body', 'the skip\'s shape [2, 1, 1] (the identity and the body must agree), got "output [1, 1, 1]"'],
    ['a projection skip of the wrong width', residualOf({ type: 'conv2d', weights: [[[[1]], [[1]]]] }), 'layers[0].body', 'the skip\'s shape [1, 2, 2] (the projection and the body must agree), got "output [2, 2, 2]"'],
  ];

  function bnCase(change: (b: Json) => void) {
    return withLayer(3, (l) => change((l.body as Json[])[0]!));
  }

  it.each(cases)('%s', (_, file, field, message) => {
    const e = errorOf(file);
    expect(e.field).toBe(field);
    expect(e.message).toContain(`${field}: expected `);
    expect(e.message).toContain(message);
  });

  it('from JSON text too, with the value as written', () => {
    const text = JSON.stringify(conv).replace('"runningVariance":[3,"5/4"]', '"runningVariance":[3,-1.5e-3]');
    expect(errorOf(text).message).toBe('layers[3].body[0].runningVariance[1]: expected a variance, at least 0, got -1.5e-3');
  });
});

/** A network's numbers as strings in its field (exact "p/q", or a double's shortest decimal), its structure as is. */
const printed = <T>(F: Field<T>, net: NetworkV2<T>) => mapNetworkV2(net, (x) => F.toString(x));

describe('networkV2ToJson: v1 for MLPs, v2 otherwise, and parseNetworkV2 reads back the same network exactly', () => {
  for (const F of [rationalField, float64Field] as Field<unknown>[]) {
    it(`${F.name}: generated v2 networks, through objects and through JSON text`, () => {
      const formats = new Map<string, number>();
      fc.assert(
        fc.property(v2NetworkFile(plainScalars), (file) => {
          const net = networkV2In(F, parseNetworkV2(file));
          const written = networkV2ToJson(F, net) as { format: string };
          const v1 = toV1(net);
          formats.set(written.format, (formats.get(written.format) ?? 0) + 1);
          expect(written.format).toBe(v1 && fromV1(v1).layers.length === net.layers.length ? 'flatcheck.network/v1' : 'flatcheck.network/v2');
          expect(printed(F, networkV2In(F, parseNetworkV2(written)))).toEqual(printed(F, net));
          expect(printed(F, networkV2In(F, parseNetworkV2(JSON.stringify(written))))).toEqual(printed(F, net));
        }),
        runs(300),
      );
      // Both writers are reached.
      expect(formats.get('flatcheck.network/v1')).toBeGreaterThan(0);
      expect(formats.get('flatcheck.network/v2')).toBeGreaterThan(0);
    });

    it(`${F.name}: a v1 network is written as networkToJson writes it`, () => {
      fc.assert(
        fc.property(networkArbitrary({ maxWidth: 3, maxHidden: 2 }), (raw) => {
          const net = networkIn(F, raw);
          expect(networkV2ToJson(F, fromV1(net))).toEqual(networkToJson(F, net));
        }),
        runs(100),
      );
    });
  }

  it('exact values stay "p/q" strings; ε is one number when the channels agree, else one per channel', () => {
    const net = networkV2In(rationalField, parseNetworkV2(conv));
    const written = networkV2ToJson(rationalField, net) as { layers: { weights?: unknown; body?: { epsilon: unknown }[] }[] };
    expect(written.layers[0]!.weights).toEqual([[[['1', '0'], ['0', '-1']]], [[['1/2', '2'], ['3', '-1/3']]]]);
    expect(written.layers[3]!.body![0]!.epsilon).toBe('1');
    const two = clone(conv);
    ((two.layers as Json[])[3]!.body as Json[])[0]!.epsilon = ['1/3', '1/7'];
    const w2 = networkV2ToJson(rationalField, networkV2In(rationalField, parseNetworkV2(two))) as typeof written;
    expect(w2.layers[3]!.body![0]!.epsilon).toEqual(['1/3', '1/7']);
  });

  it('an MLP with an explicit linear activation layer, which v1 cannot hold, is written as v2', () => {
    const net = parseNetworkV2({ format: 'flatcheck.network/v2', inputShape: [1], layers: [{ type: 'dense', weights: [[2]] }, { type: 'activation', activation: 'linear' }] });
    expect(toV1(net)).toBeUndefined();
    const written = networkV2ToJson(rationalField, networkV2In(rationalField, net)) as { format: string };
    expect(written.format).toBe('flatcheck.network/v2');
    expect(printed(rationalField, networkV2In(rationalField, parseNetworkV2(written)))).toEqual(printed(rationalField, networkV2In(rationalField, net)));
  });
});
