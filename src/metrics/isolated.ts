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

/**
 * From dist/ the worker is the compiled worker.js; from the sources (the repository's own tests) it is
 * worker.ts, which worker-entry.mjs runs through tsx.
 */
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './worker-entry.mjs' : './worker.js', import.meta.url);

/** Loading TypeScript and TensorFlow.js in a fresh thread takes seconds: start-up has its own limit. */
const START_UP_MS = 60_000;

/** Only our listeners: a bare removeAllListeners() would also drop the Worker's own 'newListener' bookkeeping, and replies stop arriving. */
const detach = (worker: Worker) => {
  for (const event of ['message', 'error', 'exit']) worker.removeAllListeners(event);
};

export class IsolatedMetric {
  private worker: Promise<Worker> | undefined;
  constructor(readonly module: string) {}

  /** A worker that has loaded the module (it says `ready`), within START_UP_MS. */
  private start(): Promise<Worker> {
    const worker = new Worker(WORKER, { workerData: { module: resolve(this.module) } });
    return new Promise((ready, fail) => {
      const timer = setTimeout(() => failWith(`did not load within ${START_UP_MS} ms`), START_UP_MS);
      const failWith = (message: string) => {
        clearTimeout(timer);
        detach(worker);
        void worker.terminate();
        fail(new Error(message));
      };
      worker.once('message', () => {
        clearTimeout(timer);
        detach(worker);
        ready(worker);
      });
      worker.once('error', (e: Error) => failWith(`the worker failed: ${e.message.split('\n')[0]}`));
      worker.once('exit', (code: number) => failWith(`the worker exited (code ${code})`));
    });
  }

  /** One evaluation; rejects with the cause when the worker fails, and with `timed out after … ms` at the limit. */
  async evaluate(net: Network<number>, data: Dataset<number>, seed: number, timeLimitMs: number): Promise<IsolatedReply> {
    const starting = (this.worker ??= this.start());
    const worker = await starting.catch((e: Error) => {
      this.worker = undefined;
      throw e;
    });
    return new Promise((done, fail) => {
      const finish = () => {
        clearTimeout(timer);
        detach(worker);
      };
      const failWith = (message: string) => {
        finish();
        void worker.terminate();
        this.worker = undefined;
        fail(new Error(message));
      };
      const timer = setTimeout(() => failWith(`timed out after ${timeLimitMs} ms`), timeLimitMs);
      worker.once('message', (reply: IsolatedReply) => {
        finish();
        done(reply);
      });
      worker.once('error', (e: Error) => failWith(`the worker failed: ${e.message.split('\n')[0]}`));
      worker.once('exit', (code: number) => failWith(`the worker exited (code ${code})`));
      worker.postMessage({ network: networkToJson(float64Field, net), dataset: datasetToJson(float64Field, data), seed });
    });
  }

  async close(): Promise<void> {
    const starting = this.worker;
    this.worker = undefined;
    const worker = await starting?.catch(() => undefined);
    await worker?.terminate();
  }
}
