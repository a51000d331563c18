import { expect, it } from 'vitest';
import { randomNetwork, randomDataset } from '../network/random.js';
import { fromV1, networkV2In } from '../network/v2.js';
import { forwardV2 } from '../network/v2-forward.js';
import { forward } from '../network/forward.js';
import { lossGradientV2, lossHessianV2 } from '../autodiff/v2.js';
import { lossGradient, lossHessian } from '../autodiff/derivatives.js';
import { terminatingField } from '../field/terminating.js';
import { networkIn, datasetIn } from '../network/types.js';
it('agrees on MLPs', () => {
  const F = terminatingField;
  for (const seed of [1,2,3]) {
  const raw = randomNetwork({ inputSize: 3, hidden: [4, 3], outputSize: 2, activation: 'relu', bias: true }, seed);
  const net = networkIn(F, raw);
  const data = datasetIn(F, randomDataset({ loss: 'mse', inputSize: 3, outputSize: 2, samples: 4 } as never, seed) as never);
  const v2 = fromV1(net);
  expect(forwardV2(F, v2, data.inputs).map(r => r.map(F.toString))).toEqual(forward(F, net, data.inputs).map(r=>r.map(F.toString)));
  expect(lossGradientV2(F, v2, data).map(F.toString)).toEqual(lossGradient(F, net, data).map(F.toString));
  expect(lossHessianV2(F, v2, data).map(r => r.map(F.toString))).toEqual(lossHessian(F, net, data).map(r=>r.map(F.toString)));
  }
});
