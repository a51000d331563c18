/**
 * A metric module evaluated in a worker thread, so that a metric stuck in a
 * synchronous loop (which no timer in its own thread can interrupt) is cut
 * off: the worker is terminated at the time limit and a fresh one serves the
 * next evaluation.
 */
import { Worker } from 'node:worker_threads';
import { resolve } from 'node:path';
import { float64Field } from '../field/float64.js';
import { datasetToJson, networkToJson } from '../network/json.js';
import type { Dataset, Network } from '../network/types.js';

export interface IsolatedReply {
  value?: unknown;
  usedRandom?: boolean;
  error?: string;
  kink?: [sample: number, layer: number, unit: number];
}

export class IsolatedMetric {
  private worker: Promise<Worker> | undefined;
  constructor(readonly module: string) {}

  private start(): Promise<Worker> {
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { module: resolve(this.module) } });
    return new Promise((ready, fail) => {
      worker.once('message', () => ready(worker));
      worker.once('error', fail);
    });
  }

  /** One evaluation; rejects with `timed out after … ms` (and replaces the worker) at the limit. */
  async evaluate(net: Network<number>, data: Dataset<number>, seed: number, timeLimitMs: number): Promise<IsolatedReply> {
    const worker = await (this.worker ??= this.start());
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        worker.removeAllListeners('message');
        void worker.terminate();
        this.worker = undefined;
        fail(new Error(`timed out after ${timeLimitMs} ms`));
      }, timeLimitMs);
      worker.once('message', (reply: IsolatedReply) => {
        clearTimeout(timer);
        done(reply);
      });
      worker.postMessage({ network: networkToJson(float64Field, net), dataset: datasetToJson(float64Field, data), seed });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await (await worker).terminate();
  }
}
