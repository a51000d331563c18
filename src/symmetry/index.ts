export * from './symmetry.js';
export * from './architecture.js';
