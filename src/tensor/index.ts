export * from './backend.js';
export * from './network.js';
