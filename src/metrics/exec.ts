/**
 * A metric run as a child process that speaks flatcheck.metric/v1 (docs/protocol.md):
 * one JSON object per line on its stdin and stdout, stderr its log. Every
 * fault (a crash, a hang past the time limit, a wrong or malformed answer)
 * fails that one evaluation with its cause and the last lines of stderr; the
 * process is killed and a fresh one serves the next evaluation. Nothing the
 * process writes reaches flatcheck's own stdout: it is kept in `log`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { onSignalExit } from '../output/shutdown.js';
import { InputError } from '../field/errors.js';
import { float64Field } from '../field/float64.js';
import { NETWORK_FORMAT, datasetToJson } from '../network/json.js';
import type { Dataset } from '../network/types.js';
import { networkV2ToJson } from '../network/json-v2.js';
import { isV1, type AnyNetwork } from '../network/v2.js';
import { type Family, type Metric } from './contract.js';
import { ARCHITECTURE_FAMILIES } from '../symmetry/architecture.js';
import type { IsolatedReply } from './isolated.js';
import { MetricLog, type LogLine } from './log.js';
import { checkMetric, type BatteryOptions, type BatteryReport } from './battery.js';

export const METRIC_PROTOCOL = 'flatcheck.metric/v1';

/** Starting an interpreter and importing its libraries (PyTorch takes seconds) has its own limit. */
export const START_UP_MS = 60_000;
/** After stdin is closed, how long a process has to exit before it is killed. */
export const GRACE_MS = 2_000;
/** Lines of stderr an error carries. */
const STDERR_TAIL = 5;
/** A protocol line is short; a longer line is a print, kept truncated. */
const MAX_LINE = 1 << 20;

export interface ExecClaims {
  invariant: Family[];
  unbounded: Family[];
}

export interface ExecHello {
  id: string;
  claims?: ExecClaims;
  /** An estimator: compared on means over seeds, as metrics that draw from ctx.random are. */
  random?: boolean;
  /** Computed in float32 (a PyTorch model in float32, say): held to float32's precision, as a metric that uses ctx.tf is. */
  float32?: boolean;
}

export interface ExecOptions {
  /** Override what the process says in its hello (command-line --id, --claims). */
  id?: string;
  claims?: ExecClaims;
  random?: boolean;
  /** Default: the current directory. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** The "…" of --exec "…" split into words as a POSIX shell would (quotes, backslashes), with no expansion: the command runs without a shell. */
export function splitCommand(command: string): string[] {
  const refuse = (expected: string): never => {
    throw new InputError('--exec', command, expected);
  };
  const words: string[] = [];
  let word: string | undefined; // undefined between words; '' is an empty quoted word
  const operators = '|&;<>()$`';
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) {
      break; // a comment, as in a shell
    } else if (c === '\\') {
      if (i + 1 >= command.length) refuse('a command that does not end in a lone backslash');
      const next = command[++i]!;
      if (next !== '\n') word = (word ?? '') + next; // backslash-newline continues the line
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) refuse('a command with balanced quotes (a \' is not closed)');
      word = (word ?? '') + command.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= '';
      for (i++; ; i++) {
        if (i >= command.length) refuse('a command with balanced quotes (a " is not closed)');
        const d = command[i]!;
        if (d === '"') break;
        if (d === '$' || d === '`') refuse(`a command without ${d} in double quotes (it runs without a shell: nothing is expanded; escape it as \\${d} or use single quotes)`);
        if (d === '\\' && i + 1 < command.length && '$`"\\\n'.includes(command[i + 1]!)) {
          i++;
          if (command[i] !== '\n') word += command[i];
        } else {
          word += d;
        }
      }
    } else if (operators.includes(c)) {
      refuse(`a single command: it runs without a shell, so ${c} is neither an operator nor expanded (quote it, or run sh -c '…' yourself)`);
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  if (words.length === 0) refuse('a command to run');
  return words;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function parseFamilies(x: unknown, field: string): Family[] {
  if (x === undefined) return [];
  if (!Array.isArray(x) || x.some((f) => !ARCHITECTURE_FAMILIES.includes(f as Family))) throw new Error(`${field}: expected an array of ${ARCHITECTURE_FAMILIES.map((f) => `"${f}"`).join(', ')}, got ${JSON.stringify(x)}`);
  return x as Family[];
}

/** The process's hello answer, validated (an Error names the field). */
function parseHello(message: Record<string, unknown>): ExecHello {
  if (typeof message.id !== 'string' || message.id === '') throw new Error(`hello.id: expected a non-empty string, got ${JSON.stringify(message.id)}`);
  const hello: ExecHello = { id: message.id };
  if (message.claims !== undefined) {
    if (!isRecord(message.claims)) throw new Error(`hello.claims: expected an object {"invariant":[…],"unbounded":[…]}, got ${JSON.stringify(message.claims)}`);
    hello.claims = { invariant: parseFamilies(message.claims.invariant, 'hello.claims.invariant'), unbounded: parseFamilies(message.claims.unbounded, 'hello.claims.unbounded') };
  }
  if (message.random !== undefined) {
    if (typeof message.random !== 'boolean') throw new Error(`hello.random: expected true or false, got ${JSON.stringify(message.random)}`);
    hello.random = message.random;
  }
  if (message.float32 !== undefined) {
    if (typeof message.float32 !== 'boolean') throw new Error(`hello.float32: expected true or false, got ${JSON.stringify(message.float32)}`);
    hello.float32 = message.float32;
  }
  return hello;
}

/** A line is a protocol message when it is a JSON object with a string `type`; anything else is the process's own print. */
function classify(line: string): { message: Record<string, unknown> } | { malformed: string } | { print: true } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    // Not JSON, but it looks like an answer (a truncated line, or NaN/Infinity, which JSON cannot spell): a fault, not a print.
    if (/"type"\s*:\s*"(result|hello)"/.test(line)) {
      const nonFinite = /"value"\s*:\s*(-?Infinity|NaN)\b/.exec(line);
      return { malformed: nonFinite ? `value: expected a finite number, got ${nonFinite[1]}` : `a malformed answer (not valid JSON): ${line.length > 200 ? `${line.slice(0, 200)}…` : line}` };
    }
    return { print: true };
  }
  return isRecord(parsed) && typeof parsed.type === 'string' ? { message: parsed } : { print: true };
}

interface Pending {
  /** A protocol message for whoever waits (hello or one evaluation); an Error fails it. */
  receive(message: Record<string, unknown> | Error): void;
}

/** One running process: its line reader, stderr tail and exit. */
class Process {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stderrTail: string[] = [];
  pending: Pending | undefined;
  exited = false;
  /** Why it is no longer running: an evaluation sent after it died idle fails with this. */
  private exitCause: Error | undefined;
  private readonly exit: Promise<void>;

  constructor(argv: string[], options: ExecOptions, private readonly keep: (line: LogLine) => void) {
    this.child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd ?? process.cwd(), env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => undefined); // EPIPE from a process that died: its exit reports it
    const forget = onSignalExit(() => this.child.kill('SIGKILL'));
    this.exit = new Promise((exited) => {
      this.child.once('error', (e: NodeJS.ErrnoException) => {
        this.exited = true;
        forget();
        const cause = e.code === 'ENOENT' ? `command not found: ${argv[0]}` : e.code === 'EACCES' ? `not executable: ${argv[0]}` : `could not start ${argv[0]}: ${e.message}`;
        this.fail(new StartError(cause));
        exited();
      });
      this.child.once('close', (code, signal) => {
        this.exited = true;
        forget();
        this.fail(new Error(signal ? `the process was killed (${signal})` : `the process exited (code ${code})`));
        exited();
      });
    });
    this.lines(this.child.stdout, (line) => this.onStdout(line));
    this.lines(this.child.stderr, (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift();
      this.keep({ stream: 'stderr', text: line });
    });
  }

  private fail(e: Error): void {
    this.exitCause ??= e;
    const pending = this.pending;
    this.pending = undefined;
    pending?.receive(e);
  }

  /** Calls `each` per line (without its newline); an overlong line is cut at MAX_LINE and its rest dropped. */
  private lines(stream: NodeJS.ReadableStream, each: (line: string) => void): void {
    let buffer = '';
    let overlong = false;
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      let start = 0;
      for (let end = chunk.indexOf('\n'); end >= 0; start = end + 1, end = chunk.indexOf('\n', start)) {
        const line = overlong ? buffer : buffer + chunk.slice(start, end);
        buffer = '';
        overlong = false;
        each(line.endsWith('\r') ? line.slice(0, -1) : line);
      }
      if (!overlong) buffer += chunk.slice(start);
      if (!overlong && buffer.length > MAX_LINE) {
        buffer = `${buffer.slice(0, MAX_LINE)}… (cut at ${MAX_LINE} characters)`;
        overlong = true;
      }
    });
    stream.on('end', () => {
      if (buffer !== '') each(buffer);
    });
  }

  private onStdout(line: string): void {
    const kind = classify(line);
    if ('print' in kind) return this.keep({ stream: 'stdout', text: line });
    const pending = this.pending;
    if (!pending) return this.keep({ stream: 'stdout', text: `(an answer nobody asked for) ${line}` });
    this.pending = undefined;
    pending.receive('message' in kind ? kind.message : new Error(kind.malformed));
  }

  send(message: object): void {
    this.write(`${JSON.stringify(message)}\n`);
  }

  write(line: string): void {
    this.child.stdin.write(line);
  }

  /** The next protocol message, within `ms`; rejects with the cause when the process fails first. */
  next(ms: number, what: string): Promise<Record<string, unknown>> {
    return new Promise((done, fail) => {
      if (this.exited) return fail(this.exitCause ?? new Error('the process is not running'));
      const timer = setTimeout(() => {
        this.pending = undefined;
        fail(new Error(`${what} after ${ms} ms`));
      }, ms);
      this.pending = {
        receive: (message) => {
          clearTimeout(timer);
          if (message instanceof Error) fail(message);
          else done(message);
        },
      };
    });
  }

  /** The cause, with the last lines of stderr. */
  explain(cause: string): string {
    return this.stderrTail.length === 0 ? cause : `${cause}; last lines of stderr:\n${this.stderrTail.map((l) => `  ${l}`).join('\n')}`;
  }

  kill(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    return this.exit;
  }

  /** Closes stdin and waits GRACE_MS for the process to exit, then kills it. */
  async close(): Promise<void> {
    this.child.stdin.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exit, new Promise<void>((timedOut) => (timer = setTimeout(timedOut, GRACE_MS)))]);
    clearTimeout(timer);
    await this.kill();
  }
}

class StartError extends Error {}

/**
 * The network file as JSON text: an MLP as v1 without copying every number
 * first (a float64 network's numbers are its JSON numbers), a layered
 * network as v2.
 */
export function networkLine(net: AnyNetwork<number>): string {
  if (!isV1(net)) return JSON.stringify(networkV2ToJson(float64Field, net));
  return JSON.stringify({ format: NETWORK_FORMAT, inputSize: net.inputSize, layers: net.layers.map((l) => ({ weights: l.weights, ...(l.bias ? { bias: l.bias } : {}), activation: l.activation, ...(l.slope !== undefined ? { slope: l.slope } : {}) })) });
}

/**
 * A metric process: `hello()` starts it (InputError naming --exec when it
 * cannot start or does not answer hello), `evaluate` sends one case at a
 * time and restarts the process after any fault, `close()` ends it.
 */
export class ExecMetric {
  readonly argv: string[];
  private process: Promise<Process> | undefined;
  private greeting: ExecHello | undefined;
  private nextId = 1;
  private readonly output = new MetricLog();
  /** Evaluations made so far, and processes started (a restart after each fault). */
  evaluations = 0;
  starts = 0;

  constructor(
    readonly command: string | string[],
    private readonly options: ExecOptions = {},
  ) {
    this.argv = typeof command === 'string' ? splitCommand(command) : command;
  }

  /** What the process printed (stdout lines that are not protocol messages) and wrote to stderr (MetricLog). */
  get log(): { lines: readonly LogLine[]; dropped: number } {
    return { lines: this.output.lines, dropped: this.output.dropped };
  }

  private keep = (line: LogLine) => this.output.keep(line);

  /** A process that has answered hello. */
  private current: Process | undefined;
  /** The battery evaluates many networks on one dataset: its JSON is written once. */
  private lastDataset: { data: Dataset<number>; line: string } | undefined;

  private datasetLine(data: Dataset<number>): string {
    if (this.lastDataset?.data !== data) this.lastDataset = { data, line: JSON.stringify(datasetToJson(float64Field, data)) };
    return this.lastDataset.line;
  }

  /** The running process's pid, if one is running. */
  get pid(): number | undefined {
    return this.current?.exited === false ? this.current.child.pid : undefined;
  }

  private async start(): Promise<Process> {
    const p = new Process(this.argv, this.options, this.keep);
    this.current = p;
    this.starts++;
    try {
      p.send({ type: 'hello', protocol: METRIC_PROTOCOL });
      const answer = await p.next(START_UP_MS, 'no hello answer');
      if (answer.type !== 'hello') throw new Error(`expected a hello answer first, got ${JSON.stringify(answer)}`);
      const hello = parseHello(answer); // a restarted process is checked again; the first one's hello stands
      this.greeting ??= hello;
      return p;
    } catch (e) {
      await p.kill();
      throw new Error(p.explain(`${(e as Error).message}${e instanceof StartError ? '' : ' (while starting)'}`), { cause: e });
    }
  }

  private running(): Promise<Process> {
    return (this.process ??= this.start().catch((e: Error) => {
      this.process = undefined;
      throw e;
    }));
  }

  /** The process's hello with the options' overrides; rejects with an InputError naming --exec if it cannot start or answers badly. */
  async hello(): Promise<ExecHello> {
    try {
      await this.running();
    } catch (e) {
      throw new InputError('--exec', this.argv.join(' '), `a metric process that answers ${METRIC_PROTOCOL} hello (${(e as Error).message})`);
    }
    const hello = { ...this.greeting! };
    if (this.options.id !== undefined) hello.id = this.options.id;
    if (this.options.claims !== undefined) hello.claims = this.options.claims;
    if (this.options.random !== undefined) hello.random = this.options.random;
    return hello;
  }

  /** One evaluation (a v1 or v2 network): a value or the metric's own error; rejects with the cause (and stderr's last lines) when the process fails, answers wrongly or passes the time limit. */
  async evaluate(net: AnyNetwork<number>, data: Dataset<number>, seed: number, timeLimitMs: number): Promise<IsolatedReply> {
    const p = await this.running();
    const id = this.nextId++;
    this.evaluations++;
    try {
      p.write(`{"type":"evaluate","id":${id},"network":${networkLine(net)},"dataset":${this.datasetLine(data)},"seed":${JSON.stringify(seed)}}\n`);
      const answer = await p.next(timeLimitMs, 'timed out');
      return this.reply(answer, id);
    } catch (e) {
      // Whatever it was, the process's state is unknown now: the next evaluation gets a fresh one.
      this.process = undefined;
      await p.kill();
      throw new Error(p.explain((e as Error).message), { cause: e });
    }
  }

  private reply(answer: Record<string, unknown>, id: number): IsolatedReply {
    const usedRandom = (this.options.random ?? this.greeting?.random) === true;
    const precision = this.greeting?.float32 === true ? { usedTensors: true } : {};
    if (answer.type !== 'result') throw new Error(`expected a result, got ${JSON.stringify(answer).slice(0, 200)}`);
    if (answer.id !== id) throw new Error(`answered id ${JSON.stringify(answer.id)} to evaluate id ${id}`);
    if (answer.error !== undefined) {
      if (typeof answer.error !== 'string') throw new Error(`error: expected a message (a string), got ${JSON.stringify(answer.error)}`);
      return { error: answer.error, usedRandom, ...precision };
    }
    if (typeof answer.value !== 'number') throw new Error(`value: expected a finite number, got ${answer.value === undefined ? 'nothing' : JSON.stringify(answer.value)}`);
    return { value: answer.value, usedRandom, ...precision };
  }

  async close(): Promise<void> {
    const starting = this.process;
    this.process = undefined;
    const p = await starting?.catch(() => undefined);
    await p?.close();
  }
}

/**
 * `jobs` processes of one command: each evaluation goes to an idle one (or
 * waits for one), so concurrent evaluations run in parallel. Every process
 * says the same hello (the first one's is used).
 */
export class ExecPool {
  readonly members: ExecMetric[];
  private readonly idle: ExecMetric[];
  private readonly waiting: ((m: ExecMetric) => void)[] = [];

  constructor(command: string | string[], jobs: number, options: ExecOptions = {}) {
    if (!Number.isSafeInteger(jobs) || jobs < 1) throw new InputError('--jobs', jobs, 'a positive integer');
    const argv = typeof command === 'string' ? splitCommand(command) : command;
    this.members = Array.from({ length: jobs }, () => new ExecMetric(argv, options));
    this.idle = [...this.members];
  }

  /** Starts every process (each must answer hello); the first one's hello. */
  async hello(): Promise<ExecHello> {
    return (await Promise.all(this.members.map((m) => m.hello())))[0]!;
  }

  get log(): { lines: readonly LogLine[]; dropped: number } {
    const lines = this.members.flatMap((m) => m.log.lines);
    return { lines, dropped: this.members.reduce((s, m) => s + m.log.dropped, 0) };
  }

  async evaluate(net: AnyNetwork<number>, data: Dataset<number>, seed: number, timeLimitMs: number): Promise<IsolatedReply> {
    const member = this.idle.pop() ?? (await new Promise<ExecMetric>((ready) => this.waiting.push(ready)));
    try {
      return await member.evaluate(net, data, seed, timeLimitMs);
    } finally {
      const next = this.waiting.shift();
      if (next) next(member);
      else this.idle.push(member);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.close()));
  }
}

/** The Metric the battery reports on (id, claims): its evaluations go through the process, never through this object. */
export function execMetricInfo(hello: ExecHello): Metric {
  return {
    id: hello.id,
    ...(hello.claims ? { claims: hello.claims } : {}),
    evaluate: () => {
      throw new Error(`${hello.id} is evaluated by its process (BatteryOptions.evaluator)`);
    },
  };
}

export interface ExecCheckOptions extends Omit<BatteryOptions, 'evaluator' | 'parallelFamilies'> {
  /** Metric processes run at once (--jobs): the families are then searched in parallel. */
  jobs?: number;
  /** Override the process's hello (--id, --claims). */
  id?: string;
  claims?: ExecClaims;
}

/**
 * The battery on a metric program: `command` is split as a shell would and
 * run without one, `jobs` copies of it. A command that cannot start is an
 * InputError naming --exec; faults during the run are verdicts. Returns the
 * report and what the program printed (stdout prints and stderr).
 */
export async function checkExecMetric(command: string, options: ExecCheckOptions = {}): Promise<{ report: BatteryReport; log: { lines: readonly LogLine[]; dropped: number } }> {
  const { jobs = 1, id, claims, ...battery } = options;
  const overrides: ExecOptions = { ...(id !== undefined ? { id } : {}), ...(claims ? { claims } : {}) };
  const exec = jobs > 1 ? new ExecPool(command, jobs, overrides) : new ExecMetric(command, overrides);
  try {
    const hello = await exec.hello();
    const report = await checkMetric(execMetricInfo(hello), { ...battery, evaluator: exec, parallelFamilies: jobs > 1 });
    return { report, log: exec.log };
  } finally {
    await exec.close();
  }
}
