/**
 * A metric module evaluated in a worker thread, so that a metric stuck in a
 * synchronous loop (which no timer in its own thread can interrupt) is cut
 * off: the worker is terminated at the time limit and a fresh one serves the
 * next evaluation. A worker that dies (process.exit, an uncaught error) or
 * cannot load the module fails the evaluation with that cause. The module is
 * imported only here, never in the calling thread: a module that calls
 * process.exit or hangs while it is imported is reported, not obeyed.
 */
import { Worker } from 'node:worker_threads';
import { createInterface } from 'node:readline';
import type { LogLine } from './log.js';
import { resolve } from 'node:path';
import { InputError } from '../field/errors.js';
import { float64Field } from '../field/float64.js';
import { datasetToJson } from '../network/json.js';
import { networkV2ToJson } from '../network/json-v2.js';
import type { Dataset } from '../network/types.js';
import { asV2, type AnyNetwork } from '../network/v2.js';
import type { MetricClaims } from './contract.js';
import type { ArchitectureName } from '../network/random.js';

export interface IsolatedReply {
  value?: unknown;
  usedRandom?: boolean;
  usedTensors?: boolean;
  error?: string;
  kink?: [sample: number, layer: number | string, unit: number, what: string];
}

/** What the battery needs of a metric besides evaluating it. */
export interface MetricDescription {
  id: string;
  title?: string;
  reference?: string;
  claims?: MetricClaims;
  architectures?: ArchitectureName[];
}

/**
 * From dist/ the worker is the compiled worker.js; from the sources (the repository's own tests) it is
 * worker.ts, which worker-entry.mjs runs through tsx.
 */
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './worker-entry.mjs' : './worker.js', import.meta.url);

/** Loading TypeScript and TensorFlow.js in a fresh thread takes seconds: flatcheck's own start-up has its own limit. */
const START_UP_MS = 60_000;

/** Only our listeners: a bare removeAllListeners() would also drop the Worker's own 'newListener' bookkeeping, and replies stop arriving. */
const detach = (worker: Worker) => {
  for (const event of ['message', 'error', 'exit']) worker.removeAllListeners(event);
};

/**
 * A metric module's memory, in MiB: its worker's JavaScript heap, and the
 * process's resident memory beyond what it was when the evaluation began
 * (off-heap growth, such as Buffers, which no heap limit sees).
 */
export const METRIC_MEMORY_MB = 4096;
/** How often the resident memory is read during an evaluation. */
const MEMORY_POLL_MS = 50;

export class IsolatedMetric {
  private worker: Promise<{ worker: Worker; description: MetricDescription }> | undefined;
  /** `importLimitMs`: how long the user's module may take to be imported (after flatcheck's own start-up). */
  constructor(
    readonly module: string,
    readonly importLimitMs: number,
    readonly memoryLimitMb = METRIC_MEMORY_MB,
    /** Each line the module prints; without it, the prints go to our stderr. */
    readonly onOutput?: (line: LogLine) => void,
  ) {}

  /** The module's id, title and claims, read in its worker. Rejects with an InputError naming MODULE when it does not load. */
  async describe(): Promise<MetricDescription> {
    return (await this.started()).description;
  }

  private started() {
    const starting = (this.worker ??= this.start());
    return starting.catch((e: Error) => {
      this.worker = undefined;
      throw e;
    });
  }

  /** A worker that has loaded the module (it says `ready`): start-up within START_UP_MS, the import within importLimitMs. */
  private start(): Promise<{ worker: Worker; description: MetricDescription }> {
    // stdout and stderr: true keep the module's prints off our stdout (a --json report stays parseable): they go to
    // `onOutput` line by line (flatcheck check keeps them as the metric's log), or to our stderr.
    // A heap cap: a metric that allocates without end fails its evaluation, not the CLI.
    const worker = new Worker(WORKER, { workerData: { module: resolve(this.module) }, stdout: true, stderr: true, resourceLimits: { maxOldGenerationSizeMb: this.memoryLimitMb } });
    for (const stream of ['stdout', 'stderr'] as const) {
      if (!this.onOutput) {
        worker[stream].pipe(process.stderr);
        continue;
      }
      const emit = this.onOutput;
      createInterface({ input: worker[stream] }).on('line', (text) => emit({ stream, text }));
    }
    return new Promise((ready, fail) => {
      let importing = false;
      const failWith = (expected: string) => {
        clearTimeout(timer);
        detach(worker);
        void worker.terminate();
        fail(new InputError('MODULE', this.module, expected));
      };
      let timer = setTimeout(() => failWith(`a module that loads (flatcheck's worker did not start within ${START_UP_MS} ms)`), START_UP_MS);
      worker.on('message', (m: { loading?: true; ready?: MetricDescription; loadError?: string }) => {
        if (m.loading) {
          importing = true;
          clearTimeout(timer);
          timer = setTimeout(() => failWith(`a module that loads within ${this.importLimitMs} ms (the --time-limit); it was still being imported`), this.importLimitMs);
        } else if (m.loadError !== undefined) {
          failWith(m.loadError);
        } else if (m.ready) {
          clearTimeout(timer);
          detach(worker);
          ready({ worker, description: m.ready });
        }
      });
      worker.once('error', (e: Error) => failWith(`a module that loads (${importing ? 'it threw while being imported' : "flatcheck's worker failed"}: ${e.message.split('\n')[0]})`));
      worker.once('exit', (code: number) => failWith(`a module that loads (${importing ? `it ended its thread with exit code ${code} while being imported (process.exit?)` : `flatcheck's worker exited with code ${code}`})`));
    });
  }

  /** One evaluation; rejects with the cause when the worker fails, and with `timed out after … ms` at the limit. */
  async evaluate(net: AnyNetwork<number>, data: Dataset<number>, seed: number, timeLimitMs: number): Promise<IsolatedReply> {
    const { worker } = await this.started();
    return new Promise((done, fail) => {
      const finish = () => {
        clearTimeout(timer);
        clearInterval(watch);
        detach(worker);
      };
      const failWith = (message: string) => {
        finish();
        void worker.terminate();
        this.worker = undefined;
        fail(new Error(message));
      };
      const timer = setTimeout(() => failWith(`timed out after ${timeLimitMs} ms`), timeLimitMs);
      // The worker shares this process: its off-heap memory shows only in the process's resident size.
      const baseline = process.memoryUsage.rss();
      const watch = setInterval(() => {
        const grown = process.memoryUsage.rss() - baseline;
        if (grown > this.memoryLimitMb * 2 ** 20) failWith(`used more than ${this.memoryLimitMb} MiB of memory (${Math.round(grown / 2 ** 20)} MiB beyond flatcheck's own, off-heap buffers included)`);
      }, MEMORY_POLL_MS);
      worker.once('message', (reply: IsolatedReply) => {
        finish();
        done(reply);
      });
      worker.once('error', (e: Error) => failWith(`the worker failed: ${e.message.split('\n')[0]}`));
      worker.once('exit', (code: number) => failWith(`the worker exited (code ${code})`));
      worker.postMessage({ network: networkV2ToJson(float64Field, asV2(net)), dataset: datasetToJson(float64Field, data), seed });
    });
  }

  async close(): Promise<void> {
    const starting = this.worker;
    this.worker = undefined;
    const started = await starting?.catch(() => undefined);
    await started?.worker.terminate();
  }
}
