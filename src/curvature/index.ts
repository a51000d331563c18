export * from './spectral.js';
export * from './witness.js';
export * from './summary.js';
