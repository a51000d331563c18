export * from './reparametrisation.js';
