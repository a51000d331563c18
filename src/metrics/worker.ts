/**
 * Evaluates a metric module's default export on request from isolated.ts.
 * It says { loading: true } once flatcheck's own modules have loaded, then
 * imports the user's module: { ready: { id, title, reference, claims, architectures } }, or
 * { loadError: expected } (as in InputError('MODULE', path, expected)).
 * Messages in: { network, dataset, seed } (flatcheck JSON); out:
 * { value, usedRandom, usedTensors }, { error } or { kink: [sample, layer, unit, what] }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { float64Field } from '../field/float64.js';
import { datasetIn, parseDataset } from '../network/index.js';
import { parseNetworkV2 } from '../network/json-v2.js';
import { networkV2In } from '../network/v2.js';
import { InputError, KinkError } from '../field/errors.js';
import { metricContext, type Metric } from './contract.js';
import { loadMetricModule } from './load.js';

// A metric shares flatcheck's process: it may not signal it (process.kill(process.pid) ended the CLI with no output).
const ownKill = process.kill.bind(process);
process.kill = ((pid: number, signal?: string | number) => {
  if (pid === process.pid || pid === 0 || pid === process.ppid || pid === -process.pid) throw new Error(`a metric may not send signals to flatcheck's own process (process.kill(${pid}))`);
  return ownKill(pid, signal);
}) as typeof process.kill;
// process.abort() would end the whole process too: refused the same way.
process.abort = (() => {
  throw new Error("a metric may not abort flatcheck's process (process.abort())");
}) as typeof process.abort;

parentPort!.postMessage({ loading: true });
const metric: Metric = await loadMetricModule(workerData.module as string).catch((e: unknown) => {
  parentPort!.postMessage({ loadError: e instanceof InputError ? e.expected : `a module that loads (${e instanceof Error ? e.message : String(e)})` });
  parentPort!.on('message', () => {}); // wait to be terminated: an exit now could overtake the message
  return new Promise<never>(() => {});
});
parentPort!.on('message', async (message: { network: unknown; dataset: unknown; seed: number }) => {
  let ctx: Awaited<ReturnType<typeof metricContext>> | undefined;
  try {
    ctx = await metricContext(networkV2In(float64Field, parseNetworkV2(message.network)), datasetIn(float64Field, parseDataset(message.dataset)), message.seed);
    const value = await metric.evaluate(ctx);
    parentPort!.postMessage({ value, usedRandom: ctx.usedRandom, usedTensors: ctx.usedTensors });
  } catch (e) {
    parentPort!.postMessage(e instanceof KinkError ? { kink: [e.sample, e.layer, e.unit, e.what] } : { error: e instanceof Error ? e.message : String(e) });
  } finally {
    ctx?.dispose();
  }
});
const { id, title, reference, claims, architectures } = metric;
parentPort!.postMessage({ ready: JSON.parse(JSON.stringify({ id, title, reference, claims, architectures })) });
