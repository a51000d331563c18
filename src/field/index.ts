export * from './field.js';
export * from './rational.js';
export * from './float64.js';
export * from './bignumber.js';
export * from './dual.js';
export * from './by-name.js';
export * from './random.js';
export * from './errors.js';
export * as interval from './interval.js';
