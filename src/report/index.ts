export * from './prove.js';
export * from './covers.js';
