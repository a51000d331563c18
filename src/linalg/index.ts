export * from './exact.js';
export * from './dense.js';
