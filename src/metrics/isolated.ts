/**
 * A metric module evaluated in a worker thread, so that a metric stuck in a
 * synchronous loop (which no timer in its own thread can interrupt) is cut
 * off: the worker is terminated at the time limit and a fresh one serves the
 * next evaluation. A worker that dies (process.exit, an uncaught error) or
 * cannot load the module fails the evaluation with that cause.
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

/** Loading TypeScript and TensorFlow.js in a fresh thread takes seconds: start-up gets this much on top of the evaluation's limit. */
const START_UP_MS = 60_000;

export class IsolatedMetric {
  private worker: Worker | undefined;
  constructor(readonly module: string) {}

  private stop(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  /** One evaluation; rejects with the cause when the worker fails, and with `timed out after … ms` at the limit. */
  evaluate(net: Network<number>, data: Dataset<number>, seed: number, timeLimitMs: number): Promise<IsolatedReply> {
    const starting = this.worker === undefined;
    const worker = (this.worker ??= new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { module: resolve(this.module) } }));
    return new Promise((done, fail) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        worker.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
        settle();
      };
      const failWith = (message: string) =>
        finish(() => {
          this.stop();
          fail(new Error(message));
        });
      const timer = setTimeout(() => failWith(`timed out after ${timeLimitMs} ms`), timeLimitMs + (starting ? START_UP_MS : 0));
      worker.on('message', (reply: IsolatedReply | { ready: true }) => {
        if ('ready' in reply) return;
        finish(() => done(reply));
      });
      worker.once('error', (e: Error) => failWith(`the worker failed: ${e.message.split('\n')[0]}`));
      worker.once('exit', (code: number) => failWith(`the worker exited (code ${code})`));
      worker.postMessage({ network: networkToJson(float64Field, net), dataset: datasetToJson(float64Field, data), seed });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}
