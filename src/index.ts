/** flatcheck's public API. */
export * from './field/index.js';
export * from './network/index.js';
export * from './network/bounds.js';
export * from './symmetry/index.js';
export * from './tensor/index.js';
export * as arbitraries from './arbitraries/index.js';
