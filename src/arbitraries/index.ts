export * from './runs.js';
export * from './scalars.js';
export * from './network.js';
export * from './symmetry.js';
export * from './dataset.js';
export * from './controls.js';
export * from './minima.js';
export * from './cases.js';
