export * from './contract.js';
export * from './registry.js';
export * from './battery.js';
export { loadMetricModule } from './load.js';
