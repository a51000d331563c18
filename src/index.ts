/** flatcheck's public API. */
export * from './field/index.js';
export * from './network/index.js';
export * from './network/bounds.js';
export * from './symmetry/index.js';
export * from './autodiff/derivatives.js';
export * from './autodiff/bounds.js';
export * from './autodiff/interpolate.js';
export * from './reparam/index.js';
export * from './tensor/index.js';
export * from './linalg/index.js';
export * from './curvature/index.js';
export * from './sharpness/index.js';
export * as arbitraries from './arbitraries/index.js';
export * from './metrics/index.js';
