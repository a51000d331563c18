import { describe, expect, it } from 'vitest';
import { Fraction } from 'fraction.js';
import { rationalField } from '../field/rational.js';
import { Rng } from '../field/random.js';
import type { Field, Scalar } from '../field/field.js';
import { bigNumberField } from '../field/bignumber.js';
import { networkV2In, type LayerV2, type NetworkV2 } from '../network/v2.js';
import { forwardV2 } from '../network/v2-forward.js';
import { applySymmetryV2, fitLayerScale, symmetriesOf, symmetryAt, validateSymmetryV2, type SymmetryV2 } from './architecture.js';
import { InputError } from '../field/errors.js';

const rng = new Rng(7);
const w = (n: number) => Array.from({ length: n }, () => Math.round(rng.normal() * 64) / 64);
const dense = (i: number, o: number): LayerV2<Scalar> => ({ type: 'dense', inputs: i, outputs: o, weights: w(i * o), bias: w(o) });
const conv = (i: number, o: number, k: number, extra: Partial<{ stride: number; padding: number }> = {}): LayerV2<Scalar> => ({ type: 'conv2d', inChannels: i, outChannels: o, kernelHeight: k, kernelWidth: k, stride: extra.stride ?? 1, padding: extra.padding ?? 0, weights: w(o * i * k * k), bias: w(o) });
const act = (a: 'relu' | 'abs' | 'tanh' = 'relu'): LayerV2<Scalar> => ({ type: 'activation', activation: a });
const bn = (c: number, mode: 'eval' | 'train'): LayerV2<Scalar> => ({ type: 'batchnorm', mode, gamma: w(c), beta: w(c), runningMean: w(c), runningVariance: new Array(c).fill(new Fraction(15, 16)), epsilon: new Array(c).fill(new Fraction(1, 16)) });

const nets: [string, NetworkV2<Scalar>][] = [
  ['cnn', { inputShape: [1, 6, 6], layers: [conv(1, 3, 3), act(), { type: 'maxpool2d', size: 2, stride: 2 }, conv(3, 2, 2), act(), { type: 'flatten' }, dense(2, 2)] }],
  ['cnn-avg-abs', { inputShape: [2, 5, 5], layers: [conv(2, 3, 3, { padding: 1, stride: 2 }), act('abs'), { type: 'avgpool2d', size: 2, stride: 1 }, { type: 'flatten' }, dense(12, 3)] }],
  ['resnet', { inputShape: [3], layers: [dense(3, 4), act(), { type: 'residual', body: [dense(4, 4), act(), dense(4, 4)] }, { type: 'residual', body: [dense(4, 3), act(), dense(3, 4)] }, act(), dense(4, 2)] }],
  ['resnet-proj', { inputShape: [2, 4, 4], layers: [conv(2, 3, 3, { padding: 1 }), act(), { type: 'residual', body: [conv(3, 2, 3, { padding: 1 }), act(), conv(2, 2, 1)], skip: conv(3, 2, 1) as never }, act(), { type: 'flatten' }, dense(32, 2)] }],
  ['bn-eval', { inputShape: [1, 4, 4], layers: [conv(1, 2, 3), bn(2, 'eval'), act(), { type: 'flatten' }, dense(8, 2)] }],
  ['bn-train-resnet', { inputShape: [3], layers: [dense(3, 3), act(), { type: 'residual', body: [dense(3, 3), bn(3, 'train'), act(), dense(3, 3), bn(3, 'eval')] }, act(), dense(3, 2)] }],
];

it.each(nets)('%s: every listed family is an exact symmetry', (_, net) => {
  const train = _.includes('train');
  const F = (train ? bigNumberField : rationalField) as Field<unknown>;
  const sites = symmetriesOf(net, 'cross-entropy');
  const n = net.inputShape.reduce((a, b) => a * b, 1);
  const inputs = Array.from({ length: 4 }, () => w(n).map((x) => F.fromScalar(x)));
  const exact = networkV2In(F, net);
  const before = forwardV2(F, exact, inputs);
  for (const site of sites) {
    const sym = symmetryAt(net, site, Array.from({ length: site.space.count }, (_, i) => (i % 3) + 0.5 + i / 8));
    validateSymmetryV2(net, sym, 'cross-entropy');
    const after = forwardV2(F, applySymmetryV2(F, exact, sym), inputs);
    if (site.kind === 'logit-shift') continue;
    const gap = Math.max(...after.flatMap((r, s) => r.map((v, o) => Math.abs(F.toNumber(F.sub(v, before[s]![o]!))))));
    if (train) expect(gap, `${site.kind} ${site.at}`).toBeLessThan(1e-40);
    else expect(after.map((r) => r.map(F.toString)), `${site.kind} ${site.at}`).toEqual(before.map((r) => r.map(F.toString)));
  }
});

const byName = Object.fromEntries(nets);
const listed = (net: NetworkV2<Scalar>, loss?: 'mse' | 'cross-entropy') => symmetriesOf(net, loss).map((s) => `${s.kind}${s.at ? ` ${s.at}` : ''}`);

describe('symmetriesOf: the families each architecture has, and only those', () => {
  it('a conv net: channels scale and permute into the next conv or dense layer; layer-scale; no logit shift under mse', () => {
    expect(listed(byName.cnn!)).toEqual(['neuron-scale layers[0]', 'permutation layers[0]', 'neuron-scale layers[3]', 'permutation layers[3]', 'layer-scale']);
    expect(listed(byName.cnn!, 'cross-entropy')).toContain('logit-shift');
  });
  it('abs units: a sign flip at the layer feeding them, through average pooling and flatten', () => {
    expect(listed(byName['cnn-avg-abs']!)).toContain('sign-flip layers[0]');
    expect(listed(byName.cnn!).some((s) => s.startsWith('sign-flip'))).toBe(false); // ReLU units have none
  });
  it('a residual net: the stream is scaled as one; the layer writing it and each block\'s last layer are not neuron-scale sites', () => {
    const sites = listed(byName.resnet!);
    expect(sites).toContain('residual-scale layers[2]');
    expect(sites).not.toContain('residual-scale layers[3]'); // the second block is on the same stream
    expect(sites).not.toContain('neuron-scale layers[0]');
    expect(sites).not.toContain('neuron-scale layers[2].body[2]');
    expect(sites).toContain('neuron-scale layers[2].body[0]'); // inside a block, scaling is free
  });
  it('a projection skip reads the stream like a layer: the layer before it is a site, the stream has no scale of its own', () => {
    const sites = listed(byName['resnet-proj']!);
    expect(sites).toContain('neuron-scale layers[0]');
    expect(sites.some((s) => s.startsWith('residual-scale'))).toBe(false);
  });
  it('batch norm: the layer feeding it is absorbed (batchnorm-scale), not a neuron-scale site; no layer-scale', () => {
    const sites = listed(byName['bn-eval']!);
    expect(sites).toEqual(['batchnorm-scale layers[1]', 'permutation layers[0]', 'neuron-scale layers[1]']);
    expect(listed(byName['bn-train-resnet']!)).toContain('batchnorm-scale layers[2].body[4]');
  });
});

describe('validateSymmetryV2: what is not a symmetry is refused, naming why', () => {
  const refuses = (net: NetworkV2<Scalar>, sym: SymmetryV2, pattern: RegExp, loss?: 'mse' | 'cross-entropy') => {
    const error = (() => {
      try {
        validateSymmetryV2(net, sym, loss);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(pattern);
  };
  it('scaling the last layer of a residual body scales one branch of the sum', () => refuses(byName.resnet!, { kind: 'neuron-scale', at: 'layers[2].body[2]', scales: [2, 1, 1, 1] }, /one branch of layers\[2\]/));
  it('a sign flip into a ReLU', () => refuses(byName.cnn!, { kind: 'sign-flip', at: 'layers[0]', signs: [-1, 1, 1] }, /layers\[1\] \(relu\) does not commute/));
  it('a negative scale, a non-permutation, a layer-scale whose product is not 1 on every path', () => {
    refuses(byName.cnn!, { kind: 'neuron-scale', at: 'layers[0]', scales: [2, -1, 1] }, /scales\[1\]: expected a positive finite scale/);
    refuses(byName.cnn!, { kind: 'permutation', at: 'layers[0]', perm: [0, 0, 1] }, /perm: expected a permutation of 0\.\.2/);
    refuses(byName.resnet!, { kind: 'layer-scale', alphas: [1, 2, 1, 1, 1, 1 / 2] }, /one branch of layers\[2\]/);
  });
  it('layer-scale on a batch-norm network, a logit shift under mse, a site that is not a layer of the right type', () => {
    refuses(byName['bn-eval']!, { kind: 'layer-scale', alphas: [1, 1] }, /without batch norm/);
    refuses(byName.cnn!, { kind: 'logit-shift', bias: 1 }, /cross-entropy/, 'mse');
    refuses(byName.cnn!, { kind: 'neuron-scale', at: 'layers[1]', scales: [2, 2, 2] }, /layers\[1\]/);
    refuses(byName['bn-eval']!, { kind: 'batchnorm-scale', at: 'layers[0]', scales: [2, 2] }, /batchnorm layer/);
  });
  it('fitLayerScale turns any positive proposal into a valid layer-scale, exactly', () => {
    const alphas = fitLayerScale(byName.resnet!, [3, 5, 7, 11, 13, 17]);
    expect(() => validateSymmetryV2(byName.resnet!, { kind: 'layer-scale', alphas }, 'mse')).not.toThrow();
  });
});
