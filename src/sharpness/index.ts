export * from './maximiser.js';
export * from './check.js';
export * from './witness.js';
export * from './oracles.js';
export * from './volume.js';
