import { expect, it } from 'vitest';
import { Fraction } from 'fraction.js';
import { rationalField } from '../field/rational.js';
import { Rng } from '../field/random.js';
import type { Field, Scalar } from '../field/field.js';
import { bigNumberField } from '../field/bignumber.js';
import { networkV2In, type LayerV2, type NetworkV2 } from '../network/v2.js';
import { forwardV2 } from '../network/v2-forward.js';
import { applySymmetryV2, symmetriesOf, symmetryAt, validateSymmetryV2 } from './architecture.js';

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
  console.log(_, sites.map((s) => `${s.kind}${s.at ? '@' + s.at : ''}[${s.space.count}]`).join(' '));
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
