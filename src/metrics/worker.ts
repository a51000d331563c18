/**
 * Evaluates a metric module's default export on request from isolated.ts.
 * It says { ready: true } once the module has loaded. Messages in:
 * { network, dataset, seed } (flatcheck JSON); out:
 * { value, usedRandom }, { error } or { kink: [sample, layer, unit] }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { float64Field } from '../field/float64.js';
import { datasetIn, networkIn, parseDataset, parseNetwork } from '../network/index.js';
import { KinkError } from '../errors.js';
import { metricContext } from './contract.js';
import { loadMetricModule } from './load.js';

const metric = await loadMetricModule(workerData.module as string);
parentPort!.on('message', async (message: { network: unknown; dataset: unknown; seed: number }) => {
  let ctx: Awaited<ReturnType<typeof metricContext>> | undefined;
  try {
    ctx = await metricContext(networkIn(float64Field, parseNetwork(message.network)), datasetIn(float64Field, parseDataset(message.dataset)), message.seed);
    const value = await metric.evaluate(ctx);
    parentPort!.postMessage({ value, usedRandom: ctx.usedRandom });
  } catch (e) {
    parentPort!.postMessage(e instanceof KinkError ? { kink: [e.sample, e.layer, e.unit] } : { error: e instanceof Error ? e.message : String(e) });
  } finally {
    ctx?.dispose();
  }
});
parentPort!.postMessage({ ready: true });
