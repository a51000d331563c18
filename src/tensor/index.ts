export * from './backend.js';
export * from './network.js';
export * from './derivatives.js';
