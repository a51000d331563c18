import { defineMetric } from '../contract.js';
import { flatLogVolume } from '../../sharpness/volume.js';

/**
 * ε-flat log-volume, ε = 0.1: log of the volume of the largest cube around θ (side 2r) of which 95%
 * (Monte Carlo, 32 points) has L < L(θ) + ε. A flatness (larger is flatter); the cube is isotropic,
 * so a rescaling of θ changes it (Theorem 2 makes the flat region's volume itself arbitrarily large).
 */
export default defineMetric({
  id: 'flat-log-volume',
  title: 'ε-flat log-volume of a cube, ε = 0.1 (Monte Carlo)',
  reference: 'Hochreiter & Schmidhuber 1997, flat minima; Dinh et al. 2017 §4 (Theorem 2)',
  claims: { invariant: ['permutation'] },
  evaluate: (ctx) => flatLogVolume((t) => ctx.loss(t), ctx.theta, 0.1, { samples: 32, iterations: 20, seed: ctx.random.int(0, 2 ** 31) }).logVolume,
});
