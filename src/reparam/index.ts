export * from './reparametrisation.js';
export * from './weightnorm.js';
