export * from './symmetry.js';
