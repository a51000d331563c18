export * from './contract.js';
export * from './registry.js';
export * from './battery.js';
export { checkMetricPath, loadMetricModule } from './load.js';
