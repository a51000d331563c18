import { describe, expect, it } from 'vitest';
import { Fraction } from 'mathjs';
import { InputError } from '../field/errors.js';
import { float64Field, rationalField } from '../field/index.js';
import {
  checkCompatible, datasetIn, flatten, forward, loss, networkIn, networkToJson, parameterCount, parseDataset, parseNetwork, randomDataset, randomNetwork, shapeOf, unflatten,
} from './index.js';

const Q = rationalField;
const validNet = {
  format: 'flatcheck.network/v1',
  inputSize: 2,
  layers: [
    { weights: [[1, '-1/2'], ['3/4', 2]], bias: [0, '1/3'], activation: 'relu' },
    { weights: [[1, -1]], activation: 'linear' },
  ],
};
const validData = { format: 'flatcheck.dataset/v1', loss: 'mse', inputs: [[1, 2], ['1/2', -1]], targets: [[0], [1]] };

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected an InputError');
}

const withLayer0 = (patch: object) => ({ ...validNet, layers: [{ ...validNet.layers[0], ...patch }, validNet.layers[1]] });

describe('network JSON: each bad input is an error naming the field and the value', () => {
  it.each([
    ['malformed JSON', '{"format": ', /^network: expected valid JSON \(.*\), got "\{\\"format\\": "$/],
    ['wrong format', { ...validNet, format: 'flatcheck.network/v2' }, 'format: expected "flatcheck.network/v1", got "flatcheck.network/v2"'],
    ['unknown activation', withLayer0({ activation: 'gelu' }), 'layers[0].activation: expected one of "relu", "leaky-relu", "abs", "linear", "tanh", "softplus", got "gelu"'],
    ['ragged weights', withLayer0({ weights: [[1, 2], [3]] }), 'layers[0].weights[1]: expected an array of length 2 (it has 1), got [3]'],
    ['weights not matching the previous layer', { ...validNet, inputSize: 3 }, 'layers[0].weights[0]: expected an array of length 3 (it has 2), got [1,"-1/2"]'],
    ['bias of the wrong length', withLayer0({ bias: [1] }), 'layers[0].bias: expected an array of length 2 (it has 1), got [1]'],
    ['NaN', withLayer0({ bias: [NaN, 1] }), 'layers[0].bias[0]: expected a finite number, got NaN'],
    ['Infinity', withLayer0({ bias: [1, -Infinity] }), 'layers[0].bias[1]: expected a finite number, got -Infinity'],
    ['malformed rational', withLayer0({ weights: [[1, '1/0'], [1, 1]] }), 'layers[0].weights[0][1]: expected a number or an exact rational string like "-3/7", got "1/0"'],
    ['a typo in a field name', withLayer0({ biases: [1, 1] }), 'layers[0].biases: expected no such field (allowed: weights, bias, activation, slope), got [1,1]'],
    ['leaky-relu without a slope', withLayer0({ activation: 'leaky-relu' }), 'layers[0].slope: expected a slope for leaky-relu, got nothing'],
    ['a slope on relu', withLayer0({ slope: 0.1 }), 'layers[0].slope: expected no slope for activation "relu", got 0.1'],
    ['non-integer inputSize', { ...validNet, inputSize: 1.5 }, 'inputSize: expected a positive integer, got 1.5'],
    ['no layers', { ...validNet, layers: [] }, 'layers: expected a non-empty array, got []'],
  ])('%s', (_, input, expected) => {
    const message = messageOf(() => parseNetwork(input));
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });
});

describe('dataset JSON: each bad input is an error naming the field and the value', () => {
  it.each([
    ['unknown loss', { ...validData, loss: 'hinge' }, 'loss: expected "mse" or "cross-entropy", got "hinge"'],
    ['targets of the wrong count', { ...validData, targets: [[0]] }, 'targets: expected an array of length 2 (it has 1), got [[0]]'],
    ['ragged inputs', { ...validData, inputs: [[1, 2], [1]] }, 'inputs[1]: expected an array of length 2 (it has 1), got [1]'],
    ['a fractional label', { ...validData, loss: 'cross-entropy', targets: [0, 1.5] }, 'targets[1]: expected a class label (a non-negative integer), got 1.5'],
  ])('%s', (_, input, expected) => expect(messageOf(() => parseDataset(input))).toBe(expected));

  it('a dataset that does not fit the network names the mismatch', () => {
    const net = parseNetwork(validNet);
    expect(messageOf(() => checkCompatible(net, parseDataset({ ...validData, inputs: [[1], [2]] })))).toBe(
      "inputs[0]: expected rows of length 2 (the network's inputSize), got length 1, got [1]",
    );
    expect(messageOf(() => checkCompatible(net, parseDataset({ ...validData, targets: [[0, 1], [1, 1]] })))).toMatch(/^targets\[0\]: expected rows of length 1/);
    expect(messageOf(() => checkCompatible(net, parseDataset({ ...validData, loss: 'cross-entropy', targets: [0, 1] })))).toMatch(/^loss: expected a network with at least 2 outputs/);
  });
});

describe('forward pass and losses', () => {
  it('computes a hand-checked ReLU network exactly', () => {
    const net = networkIn(Q, parseNetwork(validNet));
    const data = datasetIn(Q, parseDataset(validData));
    // x = (1, 2): z = (1·1 − 1/2·2 + 0, 3/4 + 4 + 1/3) = (0, 61/12); relu → (0, 61/12); out = −61/12.
    // x = (1/2, −1): z = (1/2 + 1/2, 3/8 − 2 + 1/3) = (1, −31/24); relu → (1, 0); out = 1.
    const out = forward(Q, net, data.inputs);
    expect(out.map((r) => r.map((v) => v.toFraction()))).toEqual([['-61/12'], ['1']]);
    // mse = ((−61/12)² + 0²) / 2 = 3721/288
    expect(loss(Q, net, data).toFraction()).toBe('3721/288');
  });

  it('leaky-relu, abs and linear follow their definitions', () => {
    const make = (activation: string, extra: object = {}) =>
      networkIn(Q, parseNetwork({ format: 'flatcheck.network/v1', inputSize: 1, layers: [{ weights: [[1]], activation, ...extra }, { weights: [[1]], activation: 'linear' }] }));
    const x = [[new Fraction(-3n, 1n)]];
    expect(forward(Q, make('leaky-relu', { slope: '1/3' }), x)[0]![0]!.toFraction()).toBe('-1');
    expect(forward(Q, make('abs'), x)[0]![0]!.toFraction()).toBe('3');
    expect(forward(Q, make('linear'), x)[0]![0]!.toFraction()).toBe('-3');
    expect(forward(Q, make('relu'), x)[0]![0]!.toFraction()).toBe('0');
  });

  it('cross-entropy matches −log softmax on a hand-checked case, and is refused in the rational field', () => {
    const net = parseNetwork({ format: 'flatcheck.network/v1', inputSize: 1, layers: [{ weights: [[1], [0]], activation: 'linear' }] });
    const data = parseDataset({ format: 'flatcheck.dataset/v1', loss: 'cross-entropy', inputs: [[2]], targets: [1] });
    // logits (2, 0), label 1: −log(e^0 / (e^2 + e^0)) = log(1 + e^2)
    expect(loss(float64Field, networkIn(float64Field, net), datasetIn(float64Field, data))).toBeCloseTo(Math.log(1 + Math.exp(2)), 14);
    expect(() => loss(Q, networkIn(Q, net), datasetIn(Q, data))).toThrow(/cross-entropy needs exp\/log\/tanh/);
  });

  it('tanh is refused in the rational field with a message naming the layer', () => {
    const net = parseNetwork({ format: 'flatcheck.network/v1', inputSize: 1, layers: [{ weights: [[1]], activation: 'tanh' }] });
    expect(() => forward(Q, networkIn(Q, net), [[Q.one]])).toThrow('layers[0].activation "tanh" needs exp/log/tanh');
  });

  it('flatten and unflatten are inverse, in the order W_1 row-major, b_1, W_2, …', () => {
    const net = parseNetwork(validNet);
    expect(flatten(net).map((x) => (typeof x === 'number' ? String(x) : x.toFraction()))).toEqual(['1', '-1/2', '3/4', '2', '0', '1/3', '1', '-1']);
    expect(unflatten(net, flatten(net))).toEqual(net);
    expect(parameterCount(shapeOf(net))).toBe(8);
    expect(() => unflatten(net, [1, 2])).toThrow('theta: expected 8 parameters for this network (it has 2), got [1,2]');
  });

  it('random construction is deterministic in its seed and round-trips through JSON', () => {
    const spec = { inputSize: 3, hidden: [5, 4], outputSize: 2, activation: 'leaky-relu' as const, bias: true };
    const a = randomNetwork(spec, 42);
    expect(randomNetwork(spec, 42)).toEqual(a);
    expect(randomNetwork(spec, 43)).not.toEqual(a);
    const json = networkToJson(Q, networkIn(Q, a));
    expect(networkIn(Q, parseNetwork(JSON.parse(JSON.stringify(json))))).toEqual(networkIn(Q, a));
    const data = randomDataset({ inputSize: 3, outputSize: 2, samples: 5, loss: 'cross-entropy' }, 1);
    expect(() => checkCompatible(a, data)).not.toThrow();
  });
});

describe('checkCompatible guards the API, not only the loaders', () => {
  it('names a short input row past the first, a bad label and a sparse array', async () => {
    const { lossHessian } = await import('../autodiff/derivatives.js');
    const net = networkIn(Q, parseNetwork({ format: 'flatcheck.network/v1', inputSize: 2, layers: [{ weights: [[1, 1], [1, -1]], activation: 'relu' }, { weights: [[1, 1], [1, 0]], activation: 'linear' }] }));
    const ragged = { loss: 'mse' as const, inputs: [[Q.one, Q.one], [Q.one]], targets: [[Q.one, Q.one], [Q.one, Q.one]] };
    expect(() => lossHessian(Q, net, ragged)).toThrow("inputs[1]: expected rows of length 2 (the network's inputSize), got length 1");
    const badLabel = { loss: 'cross-entropy' as const, inputs: [[1, 2]], targets: [0.5] };
    expect(() => checkCompatible(net, badLabel)).toThrow('targets[0]: expected a class label: an integer from 0 to 1');
    // eslint-disable-next-line no-sparse-arrays
    expect(() => parseNetwork({ ...validNet, layers: [{ ...validNet.layers[0], weights: [[1, , ], [1, 2]] }, validNet.layers[1]] })).toThrow('layers[0].weights[0][1]: expected a number or an exact rational string');
  });
});
