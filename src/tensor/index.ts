export * from './backend.js';
export * from './network.js';
export * from './derivatives.js';
export * from './v2.js';
export * as smooth from './smooth.js';
