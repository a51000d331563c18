export * from './contract.js';
export * from './registry.js';
export * from './battery.js';
export { DEFAULT_TIME_LIMIT_MS, inProcess, type Evaluate } from './evaluate.js';
export { perturbationAllowance, roundingAllowance } from './tolerance.js';
export { checkMetricPath, loadMetricModule } from './load.js';
export { checkExecMetric, ExecMetric, ExecPool, METRIC_PROTOCOL, splitCommand, type ExecCheckOptions, type ExecClaims, type ExecHello } from './exec.js';
