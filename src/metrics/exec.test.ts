import { afterAll, describe, expect, it, vi } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { ExecMetric, ExecPool, execMetricInfo, networkLine, splitCommand } from './exec.js';
import { networkToJson } from '../network/json.js';
import { networkArbitrary } from '../arbitraries/network.js';
import { checkMetric, type BatteryReport } from './battery.js';
import { InputError } from '../field/errors.js';
import { float64Field } from '../field/float64.js';
import { randomDataset, randomNetwork } from '../network/random.js';
import { datasetIn, networkIn } from '../network/index.js';
import { flatten, unflatten } from '../network/flat.js';
import type { Dataset, Network } from '../network/types.js';
import pathNormReference from './reference/path-norm.js';
import adaptiveSharpnessReference from './reference/adaptive-sharpness.js';
import { metricContext, type Family } from './contract.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const node = (mode: string) => [process.execPath, `${root}fixtures/exec/node-metric.mjs`, mode];

const net: Network<number> = { inputSize: 2, layers: [{ weights: [[1, 2], [3, -4]], bias: [0.5, 0], activation: 'relu' }, { weights: [[1, -1]], activation: 'linear' }] };
const data: Dataset<number> = { loss: 'mse', inputs: [[1, 2], [-1, 0.5]], targets: [[1], [0]] };
/** A random float64 network with biases and its mse data. */
function randomCase(inputSize: number, hidden: number[], outputSize: number, samples: number, seed: number) {
  const n = networkIn(float64Field, randomNetwork({ inputSize, hidden, outputSize, activation: 'relu', bias: true }, seed));
  return { n, d: datasetIn(float64Field, randomDataset({ inputSize, outputSize, samples, loss: 'mse' }, seed)) };
}
const sumOfSquares = (n: Network<number>) => flatten(n).reduce((s, t) => s + t * t, 0);

/**
 * An interpreter that imports `modules`, or undefined. Under CI a missing one fails the suite; locally
 * the tests that need it are skipped with what to install.
 */
function python(modules: string[], install: string): string | undefined {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(candidate, ['-c', modules.map((m) => `import ${m}`).join('; ') || 'pass'], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
  }
  const message = `no python3 with ${modules.join(', ') || 'the standard library'} (install ${install})`;
  if (process.env.CI) throw new Error(`${message}: required under CI`);
  console.warn(`skipping the tests that need it: ${message}`);
  return undefined;
}
const python3 = python([], 'python3');
const numpyPython = python(['numpy'], 'python3-numpy, or pip install numpy');
const torchPython = python(['torch'], 'python3-torch (apt), or pip install torch');

describe('splitCommand: words as a POSIX shell splits them, without expansion', () => {
  it.each([
    ['python3 metric.py', ['python3', 'metric.py']],
    ['  python3   -u\tmetric.py  ', ['python3', '-u', 'metric.py']],
    [`python3 'my metric.py' "a b" c\\ d`, ['python3', 'my metric.py', 'a b', 'c d']],
    [`a'b'"c"d`, ['abcd']],
    [`'' ""`, ['', '']],
    [`"say \\"hi\\" \\\\ \\n"`, ['say "hi" \\ \\n']],
    [`'it\\'s`, ['it\\s']],
    [`'it'\\''s'`, ["it's"]],
    [`'its`, undefined],
    [`a \\\nb`, ['a', 'b']],
    [`"\\$HOME" '$HOME' \\$HOME`, ['$HOME', '$HOME', '$HOME']],
    ['python3 m.py # a comment', ['python3', 'm.py']],
    ['a#b', ['a#b']],
  ])('%j', (command, words) => {
    if (words === undefined) expect(() => splitCommand(command)).toThrow(InputError);
    else expect(splitCommand(command)).toEqual(words);
  });

  it('agrees with /bin/sh on the same strings', () => {
    const cases = [`python3 'my metric.py' "a b" c\\ d`, `a'b'"c"d`, `'' ""`, `"say \\"hi\\" \\\\ \\n"`, `a \\\nb`, `"\\$HOME" '$HOME' \\$HOME`, 'x # y', `"a'b" 'c"d' \\'`];
    for (const command of cases) {
      const sh = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${command}`], { encoding: 'utf8' }).split('\0').slice(0, -1);
      expect(['printf', '%s\\0', ...splitCommand(command)].slice(2), command).toEqual(sh);
    }
  });

  it('round-trips any words quoted for a shell', () => {
    const quote = (w: string) => `'${w.replaceAll("'", `'\\''`)}'`;
    const word = fc.string({ unit: fc.constantFrom('a', ' ', "'", '"', '\\', '$', '#', '|', '\n', 'é') });
    fc.assert(fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (words) => {
      expect(splitCommand(words.map(quote).join(' '))).toEqual(words);
    }));
  });

  it('refuses what only a shell could run, naming --exec and the command', () => {
    expect(() => splitCommand('')).toThrow('--exec: expected a command to run, got ""');
    expect(() => splitCommand('cd x && python3 m.py')).toThrow(/--exec: .*& is neither an operator nor expanded/);
    expect(() => splitCommand('python3 $HOME/m.py')).toThrow(/\$ is neither/);
    expect(() => splitCommand('python3 "$HOME/m.py"')).toThrow(/without \$ in double quotes/);
    expect(() => splitCommand('python3 "m.py')).toThrow(/a " is not closed/);
    expect(() => splitCommand('python3 m.py \\')).toThrow(/lone backslash/);
  });
});

describe('flatcheck.metric/v1 with a metric in Node', () => {
  it('the network is sent as networkToJson writes it: shortest round-trip JSON numbers', () => {
    const arbitrary = fc.tuple(networkArbitrary({ maxWidth: 6, activations: ['relu', 'leaky-relu', 'tanh'] }), fc.double({ min: -1e3, max: 1e3, noNaN: true }));
    fc.assert(fc.property(arbitrary, ([raw, factor]) => {
      const dyadic = networkIn(float64Field, raw);
      const n = unflatten(dyadic, flatten(dyadic).map((t) => t * factor)); // not dyadic: every digit of the shortest form matters
      expect(networkLine(n)).toBe(JSON.stringify(networkToJson(float64Field, n)));
    }), { numRuns: 200 });
  });

  it('says hello, then answers each evaluation in one process, with the network as JSON numbers', async () => {
    const m = new ExecMetric(node('ok'));
    try {
      expect(await m.hello()).toEqual({ id: 'node-sum-of-squares', claims: { invariant: ['permutation'], unbounded: ['layer-scale'] } });
      for (let seed = 1; seed <= 5; seed++) {
        const { n, d } = randomCase(3, [4], 2, 3, seed);
        expect(await m.evaluate(n, d, seed, 5000)).toEqual({ value: sumOfSquares(n), usedRandom: false });
      }
      expect(m.starts).toBe(1);
    } finally {
      await m.close();
    }
  });

  it('the command line overrides id, claims and random; random: true marks every value as an estimate', async () => {
    const m = new ExecMetric(node('random'), { id: 'mine', claims: { invariant: [], unbounded: ['neuron-scale'] } });
    try {
      expect(await m.hello()).toEqual({ id: 'mine', claims: { invariant: [], unbounded: ['neuron-scale'] }, random: true });
      expect(await m.evaluate(net, data, 7, 5000)).toEqual({ value: sumOfSquares(net) + 7e-3, usedRandom: true });
    } finally {
      await m.close();
    }
  });

  it('"float32": true in its hello holds its values to float32\'s precision', async () => {
    const m = new ExecMetric(node('float32'));
    try {
      expect(await m.hello()).toMatchObject({ float32: true });
      expect(await m.evaluate(net, data, 1, 5000)).toEqual({ value: Math.fround(sumOfSquares(net)), usedRandom: false, usedTensors: true });
    } finally {
      await m.close();
    }
  });

  it('the battery runs it through BatteryOptions.evaluator and gives its verdicts', async () => {
    const m = new ExecMetric(node('ok'));
    try {
      const r = await checkMetric(execMetricInfo(await m.hello()), { evaluator: m, runs: 10, families: ['layer-scale', 'permutation'] });
      expect(r.metric).toBe('node-sum-of-squares');
      expect(r.families['layer-scale']!.verdict).toBe('unbounded');
      expect(r.families.permutation!.verdict).toBe('invariant');
      expect(r.claims).toEqual({ ok: true, failed: [] });
    } finally {
      await m.close();
    }
  });
});

describe('faults fail one evaluation with their cause and the last lines of stderr; the next one gets a fresh process', () => {
  const evaluations = async (mode: string, seeds: number[], timeLimitMs = 5000) => {
    const m = new ExecMetric(node(mode));
    try {
      const out: (number | string)[] = [];
      for (const seed of seeds) {
        out.push(await m.evaluate(net, data, seed, timeLimitMs).then((r) => r.value as number ?? `error answer: ${r.error}`, (e: Error) => `rejected: ${e.message}`));
      }
      return { out, starts: m.starts, log: m.log };
    } finally {
      await m.close();
    }
  };
  const v = sumOfSquares(net);

  it('a crash mid-run', async () => {
    expect(await evaluations('crash-second', [1, 2, 3])).toMatchObject({ out: [v, 'rejected: the process exited (code 3); last lines of stderr:\n  about to crash', v], starts: 2 });
  });

  it('a process that dies while idle: the next evaluation fails with how it ended', async () => {
    expect(await evaluations('exit-after-answer', [1, 2, 3])).toMatchObject({ out: [v, 'rejected: the process exited (code 4)', v], starts: 2 });
  });

  it('garbage lines around the answers are the metric\'s log, not errors', async () => {
    const r = await evaluations('garbage', [1, 2]);
    expect(r).toMatchObject({ out: [v, v], starts: 1 });
    expect(r.log.lines.slice(0, 4)).toEqual(['step 1 of 1', '[1, 2, 3]', '{"no": "type"}', 'null'].map((text) => ({ stream: 'stdout', text })));
  });

  it.each([
    ['garbage-result', /^rejected: a malformed answer \(not valid JSON\): \{"type":"result","id":\d,"val$/],
    ['wrong-id', /^rejected: answered id (2 to evaluate id 1|3 to evaluate id 2)$/],
    ['no-value', /^rejected: value: expected a finite number, got nothing$/],
    ['string-value', /^rejected: value: expected a finite number, got "3.5"$/],
    ['nan', /^rejected: value: expected a finite number, got NaN$/],
  ])('%s', async (mode, message) => {
    const r = await evaluations(mode, [1, 2]);
    expect(r.out).toHaveLength(2);
    for (const out of r.out) expect(out).toMatch(message);
    expect(r.starts).toBe(2);
  });

  it('an error answer is the metric\'s own error, and the process stays', async () => {
    expect(await evaluations('error', [1, 2])).toMatchObject({ out: ['error answer: singular matrix', 'error answer: singular matrix'], starts: 1 });
  });

  it('a hang is cut off at the time limit; a slow but correct metric within it is fine', async () => {
    expect(await evaluations('hang-odd', [2, 1, 2], 300)).toMatchObject({ out: [v, 'rejected: timed out after 300 ms; last lines of stderr:\n  hanging on seed 1', v], starts: 2 });
    expect(await evaluations('slow', [1, 2], 10_000)).toMatchObject({ out: [v, v], starts: 1 });
  });

  it('a command that cannot start: hello is an InputError naming --exec and the command; an evaluation rejects with the cause', async () => {
    const m = new ExecMetric('flatcheck-no-such-command --x');
    await expect(m.hello()).rejects.toThrow(new InputError('--exec', 'flatcheck-no-such-command --x', 'a metric process that answers flatcheck.metric/v1 hello (command not found: flatcheck-no-such-command)'));
    await expect(m.evaluate(net, data, 1, 1000)).rejects.toThrow('command not found: flatcheck-no-such-command');
    await m.close();
    const bad = new ExecMetric(node('bad-hello'));
    await expect(bad.hello()).rejects.toThrow(/hello\.id: expected a non-empty string, got undefined \(while starting\)/);
    await bad.close();
  });

  it('heavy printing: the log keeps the last lines, nothing reaches flatcheck\'s stdout, answers are unharmed', async () => {
    const write = vi.spyOn(process.stdout, 'write');
    try {
      const r = await evaluations('heavy', [1, 2]);
      expect(r.out).toEqual([v, v]);
      expect(r.log.lines).toHaveLength(1000);
      expect(r.log.dropped).toBeGreaterThan(20_000);
      expect(r.log.lines.every((l) => l.text.length <= 2100)).toBe(true);
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });

  it('a process that ignores the end of stdin is killed after the grace period', async () => {
    const m = new ExecMetric(node('ignore-stdin-close'));
    expect((await m.evaluate(net, data, 1, 5000)).value).toBe(v);
    const pid = m.pid!;
    await m.close();
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });

  it('the battery gives a crashing metric the verdict error, with the cause', async () => {
    const m = new ExecMetric(node('crash-second'));
    try {
      const r = await checkMetric(execMetricInfo(await m.hello()), { evaluator: m, runs: 3, families: ['permutation'] });
      expect(r.families.permutation).toMatchObject({ verdict: 'error', error: 'the process exited (code 3); last lines of stderr:\n  about to crash' });
      expect(r.claims.ok).toBe(false);
    } finally {
      await m.close();
    }
  });
});

describe('ExecPool (--jobs N)', () => {
  it('sends concurrent evaluations to idle processes, and queues the rest', async () => {
    const pool = new ExecPool(node('slow'), 2);
    try {
      const values = await Promise.all([1, 2, 3].map((seed) => pool.evaluate(net, data, seed, 10_000)));
      expect(values.map((r) => r.value)).toEqual([sumOfSquares(net), sumOfSquares(net), sumOfSquares(net)]);
      expect(pool.members.map((m) => m.evaluations).sort()).toEqual([1, 2]);
      expect(pool.members.map((m) => m.starts)).toEqual([1, 1]);
    } finally {
      await pool.close();
    }
    expect(() => new ExecPool(node('ok'), 0)).toThrow('--jobs: expected a positive integer, got 0');
  });
});

describe.skipIf(!python3)('flatcheck.metric/v1 with a metric in Python (adapters/python/flatcheck_metric.py)', () => {
  const py = (mode: string) => [python3!, `${root}fixtures/exec/python_metric.py`, mode];
  const session = async (mode: string, seeds: number[]) => {
    const m = new ExecMetric(py(mode));
    try {
      const hello = await m.hello();
      const out: (number | string)[] = [];
      for (const seed of seeds) out.push(await m.evaluate(net, data, seed, 10_000).then((r) => r.value as number ?? `error answer: ${r.error}`, (e: Error) => `rejected: ${e.message}`));
      return { hello, out, starts: m.starts, log: m.log };
    } finally {
      await m.close();
    }
  };
  const run = async (mode: string, seeds: number[]) => {
    const r = await session(mode, seeds);
    return { ...r, log: r.log.lines.map((l) => l.text).join('\n') }; // read after close: the last line may have had no newline
  };
  const v = sumOfSquares(net);

  it.skipIf(!numpyPython || numpyPython !== python3)('serve() answers hello and evaluations, with numpy arrays', async () => {
    expect(await run('arrays', [1, 2])).toMatchObject({ hello: { id: 'python-sum-of-squares', claims: { invariant: ['permutation'], unbounded: [] } }, out: [v, v], starts: 1 });
  });

  it('with as_arrays=False, plain lists', async () => {
    expect(await run('lists', [1])).toMatchObject({ out: [v] });
  });

  it.skipIf(!numpyPython || numpyPython !== python3)('an exception is an error answer (its traceback in the log); NaN is refused before it is sent; prints cannot corrupt the protocol', async () => {
    const raised = await run('raise', [1, 2]);
    expect(raised).toMatchObject({ out: ['error answer: ZeroDivisionError: division by zero', 'error answer: ZeroDivisionError: division by zero'], starts: 1 });
    expect(raised.log).toContain('Traceback (most recent call last)');
    expect((await run('nan', [1])).out).toEqual(['error answer: ValueError: the metric returned nan, not a finite number']);
    const printed = await run('print', [1, 2]);
    expect(printed.out).toEqual([v, v]);
    expect(printed.log).toContain('no newline here');
    expect(printed.log).toContain('written to fd 1');
  });

  it.skipIf(!numpyPython || numpyPython !== python3)('a process that exits mid-run fails that evaluation with its stderr, and is restarted', async () => {
    expect(await run('exit', [1, 2, 3])).toMatchObject({ out: [v, 'rejected: the process exited (code 3); last lines of stderr:\n  exiting on call 2', v], starts: 2 });
  });
});

const families = (r: BatteryReport) => Object.fromEntries(Object.entries(r.families).map(([f, report]) => [f, report!.verdict]));

describe.skipIf(!numpyPython)('examples/python/path_norm.py (numpy)', () => {
  const command = [numpyPython!, `${root}examples/python/path_norm.py`];

  it('equals the JavaScript path-norm reference', async () => {
    const m = new ExecMetric(command);
    try {
      for (let seed = 1; seed <= 5; seed++) {
        const { n, d } = randomCase(3, [5, 4], 2, 2, seed);
        const ctx = await metricContext(n, d, 1);
        const expected = await pathNormReference.evaluate(ctx);
        ctx.dispose();
        expect(Math.abs((await m.evaluate(n, d, 1, 10_000)).value as number - expected)).toBeLessThanOrEqual(1e-14 * expected);
      }
    } finally {
      await m.close();
    }
  });

  it('is invariant under every family, and the same seed gives byte-identical JSON', async () => {
    const reports: string[] = [];
    for (let i = 0; i < 2; i++) {
      const m = new ExecMetric(command);
      try {
        reports.push(JSON.stringify(await checkMetric(execMetricInfo(await m.hello()), { evaluator: m, runs: 20 })));
      } finally {
        await m.close();
      }
    }
    const r = JSON.parse(reports[0]!) as BatteryReport;
    expect(families(r)).toEqual({ 'layer-scale': 'invariant', 'neuron-scale': 'invariant', permutation: 'invariant' });
    expect(r.claims.ok).toBe(true);
    expect(reports[1]).toBe(reports[0]);
  }, 60_000);
});

describe.skipIf(!torchPython)('examples/python with PyTorch (one process per example, reused across families)', () => {
  const example = (name: string) => new ExecMetric([torchPython!, `${root}examples/python/${name}`]);
  const battery = async (m: ExecMetric, families?: Family[]) => checkMetric(execMetricInfo(await m.hello()), { evaluator: m, runs: 20, timeLimitMs: 60_000, ...(families ? { families } : {}) });
  const started: ExecMetric[] = [];
  const open = (name: string) => {
    const m = example(name);
    started.push(m);
    return m;
  };
  afterAll(async () => {
    await Promise.all(started.map((m) => m.close()));
  });

  it('Hutchinson trace (random: true): unbounded under both scalings, invariant under permutation, and deterministic in the seed', async () => {
    const m = open('hessian_trace.py');
    const first = await battery(m);
    expect(families(first)).toEqual({ 'layer-scale': 'unbounded', 'neuron-scale': 'unbounded', permutation: 'invariant' });
    expect(first.claims.ok).toBe(true);
    // The paired estimates over seeds are where randomness enters: the same seeds give the same bytes.
    expect(JSON.stringify((await battery(m, ['permutation'])).families.permutation)).toBe(JSON.stringify(first.families.permutation));
  }, 300_000);

  it('adaptive sharpness: invariant under every family, and near the JavaScript reference', async () => {
    const m = open('adaptive_sharpness.py');
    for (let seed = 1; seed <= 3; seed++) {
      const { n, d } = randomCase(3, [4], 2, 4, seed);
      const ctx = await metricContext(n, d, 1);
      const expected = await adaptiveSharpnessReference.evaluate(ctx);
      ctx.dispose();
      expect(Math.abs((await m.evaluate(n, d, 1, 60_000)).value as number - expected)).toBeLessThanOrEqual(1e-6 * Math.abs(expected));
    }
    const r = await battery(m);
    expect(families(r)).toEqual({ 'layer-scale': 'invariant', 'neuron-scale': 'invariant', permutation: 'invariant' });
    expect(r.claims.ok).toBe(true);
  }, 300_000);

  it('the bug (biases given a fixed half-width) is caught under layer-scale with a counterexample', async () => {
    const r = await battery(open('adaptive_sharpness_unadapted_biases.py'), ['layer-scale', 'permutation']);
    expect(r.families['layer-scale']!.verdict).not.toBe('invariant');
    expect(r.families['layer-scale']!.verdict).not.toBe('error');
    const ce = r.families['layer-scale']!.counterexample!;
    expect(Math.abs(ce.after - ce.before)).toBeGreaterThan(ce.tolerance);
    expect(r.families.permutation!.verdict).toBe('invariant');
    expect(r.claims.ok).toBe(false);
  }, 300_000);
});

describe('the complete examples of docs/protocol.md run as written', () => {
  const blocks = [...readFileSync(`${root}docs/protocol.md`, 'utf8').matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const runBlock = async (interpreter: string, code: string, n: Network<number>, d: Dataset<number>) => {
    const file = join(mkdtempSync(join(tmpdir(), 'flatcheck-doc-')), 'metric.py');
    writeFileSync(file, code);
    const m = new ExecMetric([interpreter, file], { env: { ...process.env, PYTHONPATH: `${root}adapters/python` } });
    try {
      return { hello: await m.hello(), value: (await m.evaluate(n, d, 1, 60_000)).value as number };
    } finally {
      await m.close();
    }
  };

  it('two blocks of at most ten lines', () => {
    expect(blocks).toHaveLength(2);
    for (const block of blocks) expect(block.trimEnd().split('\n').length).toBeLessThanOrEqual(10);
  });

  it.skipIf(!numpyPython)('the numpy path norm gives the JavaScript reference\'s value', async () => {
    const { n, d } = randomCase(3, [4], 2, 3, 5);
    const ctx = await metricContext(n, d, 1);
    const expected = await pathNormReference.evaluate(ctx);
    ctx.dispose();
    const r = await runBlock(numpyPython!, blocks[0]!, n, d);
    expect(r.hello.id).toBe('numpy-path-norm');
    expect(Math.abs(r.value - expected)).toBeLessThanOrEqual(1e-14 * expected);
  });

  it.skipIf(!torchPython)('the Hutchinson trace gives the example\'s value for the same seed', async () => {
    const { n, d } = randomCase(3, [4], 2, 3, 5);
    const r = await runBlock(torchPython!, blocks[1]!, n, d);
    const example = new ExecMetric([torchPython!, `${root}examples/python/hessian_trace.py`]);
    try {
      expect(r.hello).toMatchObject({ id: 'hutchinson-trace', random: true });
      expect(r.value).toBe((await example.evaluate(n, d, 1, 60_000)).value);
    } finally {
      await example.close();
    }
  }, 60_000);
});
