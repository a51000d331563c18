/**
 * Bad input on the command line: each defect found by trying bad command
 * lines and files, reproduced; then a property over generated bad command
 * lines and files for every verb (exit 2, the option or field named, no
 * stack, nothing written); then a few real processes for the exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { runs } from '../arbitraries/runs.js';
import { writeDirectoryAtomic } from '../output/atomic.js';
import { MAX_DEPTH } from '../network/json-text.js';
import { main } from './main.js';

let dir = '';
const path = (name: string) => join(dir, name);
const fixture = (name: string) => join(import.meta.dirname, '../../fixtures/metrics', name);
const bin = join(import.meta.dirname, '../../bin/flatcheck.mjs');

const relu = { format: 'flatcheck.network/v1', inputSize: 2, layers: [{ weights: [[1, '-1/2'], ['3/4', 2]], bias: [0, '1/3'], activation: 'relu' }, { weights: [[1, -1]], activation: 'linear' }] };
const smooth = { format: 'flatcheck.dataset/v1', loss: 'mse', inputs: [[1, 3], ['1/2', -1]], targets: [[0], [1]] };
const withActivation = (activation: string) => ({ ...relu, layers: [{ ...relu.layers[0], activation }, relu.layers[1]] });
const twoOutputs = { format: 'flatcheck.network/v1', inputSize: 2, layers: [{ weights: [[1, 2], [3, -1]], activation: 'relu' }, { weights: [[1, 0], [0, 1]], activation: 'linear' }] };
const crossEntropy = { format: 'flatcheck.dataset/v1', loss: 'cross-entropy', inputs: [[1, 2], [2, 1], [1, 1], [3, 1]], targets: [0, 1, 0, 1] };

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Every file and directory under `root`, with sizes and contents' length: what a command may not change when it fails. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      const s = statSync(p);
      out.push(`${relative(root, p)}${s.isDirectory() ? '/' : ` ${s.size} ${readFileSync(p, 'utf8').slice(0, 64)}`}`);
      if (s.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flatcheck-bad-input-'));
  writeFileSync(path('net.json'), JSON.stringify(relu));
  writeFileSync(path('smooth.json'), JSON.stringify(smooth));
  writeFileSync(path('tanh.json'), JSON.stringify(withActivation('tanh')));
  writeFileSync(path('softplus.json'), JSON.stringify(withActivation('softplus')));
  writeFileSync(path('two-outputs.json'), JSON.stringify(twoOutputs));
  writeFileSync(path('ce.json'), JSON.stringify(crossEntropy));
  writeFileSync(path('a-file'), 'not a directory');
  mkdirSync(path('a-dir'));
  // 0.1 + 0.2 - 0.3 is exactly 0 as written; in doubles it is 5.55e-17, off the kink.
  writeFileSync(path('kink-as-written.json'), '{"format": "flatcheck.network/v1", "inputSize": 2, "layers": [{"weights": [[0.1, 0.2], [1, 1]], "bias": [-0.3, 0.5], "activation": "relu"}, {"weights": [[1, -1]], "activation": "linear"}]}');
  writeFileSync(path('kink-data.json'), '{"format": "flatcheck.dataset/v1", "loss": "mse", "inputs": [[1, 1], [2, 3]], "targets": [[0], [1]]}');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const expectBadInput = (r: { code: number; err: string }, verb: string, ...named: (string | RegExp)[]) => {
  expect(r.code, r.err).toBe(2);
  expect(r.err.startsWith(`flatcheck ${verb}: `), r.err).toBe(true);
  expect(r.err).not.toMatch(/\n\s+at /);
  for (const n of named) expect(r.err).toMatch(n);
};

describe('exact evaluation of what rationals cannot evaluate is bad input naming the option', () => {
  it.each([
    ['tanh network', 'tanh.json', 'smooth.json', /layers\[0\]\.activation is "tanh", which needs exp/],
    ['softplus network', 'softplus.json', 'smooth.json', /"softplus", which needs exp/],
    ['cross-entropy dataset', 'two-outputs.json', 'ce.json', /the loss is cross-entropy, which needs exp and log/],
  ])('forward --field rational on a %s: exit 2, --field named', async (_, net, data, reason) => {
    const r = await run('forward', '--net', path(net), '--data', path(data), '--field', 'rational');
    expectBadInput(r, 'forward', /^flatcheck forward: --field: expected an input exact rationals can evaluate/, reason, /got "rational"/);
    expect((await run('forward', '--net', path(net), '--data', path(data), '--field', 'float64')).code).toBe(0); // a float field evaluates it
  });

  it('forward with the default field (rational) on a tanh network says so too', async () => {
    expectBadInput(await run('forward', '--net', path('tanh.json'), '--data', path('smooth.json')), 'forward', /--field: expected/);
  });

  it('eval --engine rational on a tanh network names --engine', async () => {
    expectBadInput(await run('eval', '--net', path('tanh.json'), '--data', path('smooth.json'), '--metric', 'loss', '--engine', 'rational'), 'eval', /^flatcheck eval: --engine: /);
  });

  it('witness hessian on a tanh network names --net', async () => {
    expectBadInput(await run('witness', 'hessian', '--net', path('tanh.json'), '--data', path('smooth.json'), '--bound', '10'), 'witness', /^flatcheck witness: --net: .*"tanh", which needs exp/);
  });
});

describe('a JSON number means the decimal it spells', () => {
  it('"slope": 0.1 is exactly 1/10 in forward --field rational --json', async () => {
    writeFileSync(path('slope.json'), '{"format": "flatcheck.network/v1", "inputSize": 1, "layers": [{"weights": [[1]], "bias": [0], "activation": "leaky-relu", "slope": 0.1}, {"weights": [[3]], "activation": "linear"}]}');
    writeFileSync(path('negative.json'), '{"format": "flatcheck.dataset/v1", "loss": "mse", "inputs": [[-1], [-7]], "targets": [[0], [0]]}');
    const r = await run('forward', '--net', path('slope.json'), '--data', path('negative.json'), '--field', 'rational', '--json');
    expect(r.code, r.err).toBe(0);
    // 3 · (1/10) · (−1) and 3 · (1/10) · (−7); loss ((3/10)² + (21/10)²)/2 = 9/4.
    expect(JSON.parse(r.out)).toEqual({ outputs: [['-3/10'], ['-21/10']], loss: '9/4' });
  });

  it('a number whose double is not finite is bad input naming the field', async () => {
    writeFileSync(path('huge.json'), JSON.stringify(relu).replace('"bias":[0,', '"bias":[1e400,'));
    expectBadInput(await run('forward', '--net', path('huge.json'), '--data', path('smooth.json')), 'forward', '--net: layers[0].bias[0]: expected a finite number, got 1e400');
  });

  it('deeply nested JSON is a named error, not a stack overflow', async () => {
    writeFileSync(path('deep.json'), `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expectBadInput(await run('forward', '--net', path('deep.json'), '--data', path('smooth.json')), 'forward', `--net: expected valid JSON (nesting at most ${MAX_DEPTH} deep`);
  });
});

describe('a kink in the numbers as written is a kink in every engine', () => {
  it.each(['rational', 'float64', 'tfjs'])('eval --metric hessian-trace --engine %s', async (engine) => {
    const r = await run('eval', '--net', path('kink-as-written.json'), '--data', path('kink-data.json'), '--metric', 'hessian-trace', '--engine', engine);
    expectBadInput(r, 'eval', 'derivative undefined here: sample 0, layer 0 (0-based), unit 0 has pre-activation exactly 0 at a kink');
  });

  it('eval --metric ball-sharpness and witness hessian', async () => {
    expectBadInput(await run('eval', '--net', path('kink-as-written.json'), '--data', path('kink-data.json'), '--metric', 'ball-sharpness', '--epsilon', '1/100'), 'eval', /derivative undefined here: sample 0, layer 0/);
    expectBadInput(await run('witness', 'hessian', '--net', path('kink-as-written.json'), '--data', path('kink-data.json'), '--bound', '10', '--out', path('w.json')), 'witness', /derivative undefined here: sample 0, layer 0/);
    expect(existsSync(path('w.json'))).toBe(false);
  });

  it('the loss (no derivative) is still computed there, exactly', async () => {
    const r = await run('eval', '--net', path('kink-as-written.json'), '--data', path('kink-data.json'), '--metric', 'loss', '--json');
    expect(r.code, r.err).toBe(0);
  });
});

describe('a float past its range is bad input naming the engine, never Infinity or null in the output', () => {
  const big = { format: 'flatcheck.network/v1', inputSize: 1, layers: [{ weights: [[1e200]], bias: [1], activation: 'relu' }, { weights: [[1e200]], activation: 'linear' }] };
  const one = { format: 'flatcheck.dataset/v1', loss: 'mse', inputs: [[1]], targets: [[0]] };

  it.each([
    [['forward', '--field', 'float64'], /^flatcheck forward: --field: .*an output or the loss is Infinity \(past the float64 range\), got "float64"$/],
    [['eval', '--metric', 'hessian-spectral-norm', '--engine', 'float64'], /^flatcheck eval: --engine: .*an entry of the Hessian is Infinity/],
    [['eval', '--metric', 'hessian-spectral-norm', '--engine', 'tfjs'], /^flatcheck eval: --engine: .*\(past the float32 range\), got "tfjs"$/],
    [['eval', '--metric', 'hessian-spectral-norm', '--engine', 'rational'], /^flatcheck eval: --engine: .*the exact Hessian rounded to float64 for its eigenvalues/],
    [['eval', '--metric', 'gradient-norm', '--engine', 'rational'], /^flatcheck eval: --engine: .*the norm \(its square, exact, is 12/],
    [['eval', '--metric', 'ball-sharpness', '--epsilon', '1/10', '--engine', 'float64'], /^flatcheck eval: --engine: .*the loss at θ is Infinity/],
  ])('%j', async ([verb, ...argv], message) => {
    writeFileSync(path('big.json'), JSON.stringify(big));
    writeFileSync(path('one.json'), JSON.stringify(one));
    expectBadInput(await run(verb!, '--net', path('big.json'), '--data', path('one.json'), ...argv), verb!, message);
  });

  it('the exact engine still gives exact values there, without an approx float64 cannot hold', async () => {
    const r = await run('eval', '--net', path('big.json'), '--data', path('one.json'), '--metric', 'hessian-trace', '--json');
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.value).toMatch(/^6\d{400}$/);
    expect(out).not.toHaveProperty('approx');
  });
});

describe('transform refuses a scaling that is not a symmetry of the network', () => {
  it.each([
    ['tanh.json', ['--symmetry', 'layer-scale', '--alphas', '2,1/2']],
    ['softplus.json', ['--symmetry', 'layer-scale', '--alphas', '2,1/2']],
    ['tanh.json', ['--symmetry', 'neuron-scale', '--layer', '1', '--scales', '3,1']],
    ['softplus.json', ['--symmetry', 'neuron-scale', '--layer', '1', '--scales', '1,1/5']],
  ])('%s %j: exit 2, nothing written', async (net, argv) => {
    const r = await run('transform', '--net', path(net), ...argv, '--out', path('refused.json'));
    expectBadInput(r, 'transform', /^flatcheck transform: --symmetry: expected a symmetry of this network, but it scales the pre-activation of layers\[0\] by (2|3|1\/5), and its activation "(tanh|softplus)" is not positively homogeneous/);
    expect(existsSync(path('refused.json'))).toBe(false);
  });

  it('a permutation is a symmetry of every network, and a layer-scale that leaves the tanh layer unscaled is one too', async () => {
    expect((await run('transform', '--net', path('tanh.json'), '--symmetry', 'permutation', '--layer', '1', '--perm', '1,0', '--out', path('perm.json'))).code).toBe(0);
    writeFileSync(path('tanh-relu.json'), JSON.stringify({ format: 'flatcheck.network/v1', inputSize: 2, layers: [{ weights: [[1, -1], [1, 1]], activation: 'tanh' }, { weights: [[1, 2], [2, 1]], activation: 'relu' }, { weights: [[1, -1]], activation: 'linear' }] }));
    const r = await run('transform', '--net', path('tanh-relu.json'), '--symmetry', 'layer-scale', '--alphas', '1,4,1/4', '--out', path('tr.json'));
    expect(r.code, r.err).toBe(0);
    const outputs = async (net: string) => JSON.parse((await run('forward', '--net', path(net), '--data', path('smooth.json'), '--field', 'float64', '--json')).out).outputs;
    expect(await outputs('tr.json')).toEqual(await outputs('tanh-relu.json'));
  });
});

describe('bad paths and malformed values', () => {
  const transform = (...out: string[]) => run('transform', '--net', path('net.json'), '--symmetry', 'layer-scale', '--alphas', '2,1/2', ...out);

  it('--out naming a directory, --out= empty, --out under a file: named, exit 2', async () => {
    expectBadInput(await transform('--out', path('a-dir')), 'transform', /^flatcheck transform: --out: expected a file path \(it is a directory\)/);
    expectBadInput(await transform('--out='), 'transform', '--out needs a value, got ""');
    expectBadInput(await transform('--out', path('a-file/x.json')), 'transform', /--out: expected a file path in a directory \(.*a-file is a file\)/);
    expectBadInput(await transform('--out', path('a-file/deeper/x.json')), 'transform', /a-file is a file/);
  });

  it('--junit naming a directory fails before the battery runs', async () => {
    expectBadInput(await run('check', fixture('path-norm-copy.mjs'), '--junit', path('a-dir')), 'check', '--junit: expected a file path (it is a directory)');
  });

  it('prove and experiment --out naming a file fail before any work', async () => {
    expectBadInput(await run('prove', '--out', path('a-file')), 'prove', '--out: expected a directory path (it is a file)');
    expectBadInput(await run('experiment', 'keskar', '--out', path('a-file/sub')), 'experiment', /--out: expected a directory path in a directory/);
  });

  it('--time-limit past Node\'s timer (2^31 − 1 ms) is refused, not fired after 1 ms', async () => {
    expectBadInput(await run('check', fixture('path-norm-copy.mjs'), '--time-limit', '99999999999'), 'check', '--time-limit: expected a number of milliseconds from 1 to 2147483647');
  });

  it.each(['0x10', '0b10', '0o7', 'Infinity', '1_000'])('--alphas %s is not a number', async (bad) => {
    expectBadInput(await run('transform', '--net', path('net.json'), '--symmetry', 'layer-scale', '--alphas', `${bad},1`, '--out', path('x.json')), 'transform', `--alphas[0]: expected a decimal number or an exact rational like 1/2, got "${bad}"`);
  });

  it.each([
    ['forward', 'extra', '--net', 'net.json', '--data', 'smooth.json'],
    ['metrics', 'extra'],
    ['eval', '--net', 'net.json', '--data', 'smooth.json', '--metric', 'loss', 'extra'],
    ['transform', 'extra', '--net', 'net.json', '--symmetry', 'permutation', '--layer', '1', '--perm', '1,0', '--out', 'x.json'],
    ['prove', 'extra'],
    ['experiment', 'keskar', 'extra'],
    ['check', 'a.mjs', 'extra'],
  ])('stray positional argument: %s … extra', async (verb, ...argv) => {
    expectBadInput(await run(verb, ...argv.map((a) => (a.endsWith('.json') ? path(a) : a))), verb, 'unexpected argument "extra"');
  });
});

describe('staging files of a killed run are cleared by the next', () => {
  /** A process that has been SIGKILLed: its pid names the leftovers it would have left. */
  async function killedPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    return child.pid!;
  }

  it('a *.tmp sibling of --out', async () => {
    const pid = await killedPid();
    writeFileSync(path(`killed.json.${pid}.tmp`), '{"half": ');
    const r = await run('transform', '--net', path('net.json'), '--symmetry', 'layer-scale', '--alphas', '2,1/2', '--out', path('killed.json'));
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('killed.json'))).toEqual(['killed.json']);
  });

  it('a *.staging directory, and a *.previous one put back when the kill came between the renames', () => {
    const pid = 0x7fffffff; // no such process
    mkdirSync(path(`out-dir.${pid}.staging`));
    writeFileSync(path(`out-dir.${pid}.staging/half`), 'x');
    mkdirSync(path(`out-dir.${pid}.previous`));
    writeFileSync(path(`out-dir.${pid}.previous/old`), 'the previous report');
    // The killed run had moved out-dir aside and not yet renamed its staging into place: out-dir is missing.
    writeDirectoryAtomic(path('other-dir'), { a: '1' }, '--out'); // a write elsewhere leaves them alone
    expect(existsSync(path(`out-dir.${pid}.previous`))).toBe(true);
    writeDirectoryAtomic(path('out-dir'), { 'index.md': 'new' }, '--out');
    expect(readdirSync(dir).filter((f) => f.startsWith('out-dir'))).toEqual(['out-dir']);
    expect(readFileSync(path('out-dir/index.md'), 'utf8')).toBe('new');
  });

  it('a staging sibling of a live process is left alone', async () => {
    writeFileSync(path(`live.json.${process.ppid}.tmp`), 'in flight');
    expect((await run('transform', '--net', path('net.json'), '--symmetry', 'layer-scale', '--alphas', '2,1/2', '--out', path('live.json'))).code).toBe(0);
    expect(existsSync(path(`live.json.${process.ppid}.tmp`))).toBe(true);
  });
});

/** A flag's bad values, by what it takes. */
const BAD = {
  integer: ['0x10', '0b10', '1.5', '1e3', 'abc', '99999999999999999999', ' ', 'NaN'],
  positiveInteger: ['0', '-3', '0x10', '1.5', 'abc', '99999999999999999999'],
  timeLimit: ['0', '99999999999', '0x10', '-1', '2147483648'],
  scalars: ['0x10', '0b10', 'Infinity', '2,', 'abc', '1/0', '2,,1/2', '1e400,1e-400'],
  positiveScalar: ['0', '-1', '0x10', 'abc', '1/0', 'Infinity', '-1/2'],
  choice: ['nope', 'RATIONAL', ' rational', 'float'],
} as const;

/** Bad files: [name in the temporary directory, text or a transformation of the valid file's text, a field the message must name]. */
const BAD_NETWORK_FILES: [string, (valid: string) => string, string][] = [
  ['missing.json', () => '', 'ENOENT'],
  ['net-truncated.json', (t) => t.slice(0, t.length - 5), 'valid JSON'],
  ['net-deep.json', () => `${'['.repeat(10_000)}${']'.repeat(10_000)}`, 'nesting'],
  ['net-huge.json', (t) => t.replace('"inputSize":2', '"inputSize":1e400'), 'inputSize'],
  ['net-weight.json', (t) => t.replace('"weights":[[1,', '"weights":[[1e999,'), 'layers[0].weights[0][0]'],
  ['net-activation.json', (t) => t.replace('"relu"', '"gelu"'), 'layers[0].activation'],
  ['net-extra.json', (t) => t.replace('{"format"', '{"extra":1,"format"'), 'network.extra'],
  ['net-repeated.json', (t) => t.replace('"inputSize":2', '"inputSize":2,"inputSize":2'), '"inputSize" is repeated'],
  ['net-format.json', (t) => t.replace('network/v1', 'network/v9'), 'format'],
  ['net-hex.json', (t) => t.replace('"bias":[0,', '"bias":[0x10,'), 'valid JSON'],
];
/** flatcheck.network/v2 files for the verbs that read them (forward, eval), made from fixtures/v2/conv-bn.json. */
const validV2Text = () => JSON.stringify(JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/v2/conv-bn.json'), 'utf8')));
const BAD_V2_NETWORK_FILES: [string, (valid: string) => string, string][] = [
  ['v2-format.json', (t) => t.replace('network/v2', 'network/v3'), 'format'],
  ['v2-type.json', (t) => t.replace('"type":"maxpool2d"', '"type":"maxpool3d"'), 'layers[3].type'],
  ['v2-channels.json', (t) => t.replace('"inputShape":[1,4,4]', '"inputShape":[2,4,4]'), 'layers[0].weights'],
  ['v2-ragged.json', (t) => t.replace('[1,"-1/2",0]', '[1,"-1/2"]'), 'layers[0].weights[0][0][1]'],
  ['v2-stride.json', (t) => t.replace('"padding":1', '"padding":1,"stride":0'), 'layers[0].stride'],
  ['v2-mode.json', (t) => t.replace('"mode":"eval"', '"mode":"test"'), 'layers[1].mode'],
  ['v2-epsilon.json', (t) => t.replace('"epsilon":1', '"epsilon":0'), 'layers[1].epsilon'],
  ['v2-variance.json', (t) => t.replace('"runningVariance":[3,', '"runningVariance":[-3,'), 'layers[1].runningVariance[0]'],
  ['v2-extra.json', (t) => t.replace('{"type":"flatten"}', '{"type":"flatten","size":2}'), 'layers[4].size'],
  ['v2-no-flatten.json', (t) => t.replace('{"type":"flatten"},', ''), 'layers[4].type'],
];
const BAD_DATA_FILES: [string, (valid: string) => string, string][] = [
  ['data-truncated.json', (t) => t.slice(0, 20), 'valid JSON'],
  ['data-huge.json', (t) => t.replace('"inputs":[[1,', '"inputs":[[-1e400,'), 'inputs[0][0]'],
  ['data-loss.json', (t) => t.replace('"mse"', '"hinge"'), 'loss'],
  ['data-width.json', (t) => t.replace('"inputs":[[1,3]', '"inputs":[[1,3,4]'), 'inputs[1]'],
  ['data-targets.json', (t) => t.replace('"targets":[[0],[1]]', '"targets":[[0]]'), 'targets'],
  ['data-deep.json', () => `{"a":${'{"a":'.repeat(MAX_DEPTH + 1)}1${'}'.repeat(MAX_DEPTH + 2)}`, 'nesting'],
];

const BAD_CE_FILES: [string, (valid: string) => string, string][] = [
  ['ce-truncated.json', (t) => t.slice(0, 20), 'valid JSON'],
  ['ce-label.json', (t) => t.replace('"targets":[0,', '"targets":[-1,'), 'targets[0]'],
  ['ce-fraction-label.json', (t) => t.replace('"targets":[0,', '"targets":[0.5,'), 'targets[0]'],
  ['ce-huge.json', (t) => t.replace('"inputs":[[1,', '"inputs":[[1e400,'), 'inputs[0][0]'],
  ['ce-loss.json', (t) => t.replace('"cross-entropy"', '"hinge"'), 'loss'],
];

/** 'net': a flatcheck.network/v1 file; 'net-v2': v1 or v2. */
type Value = { bad: readonly string[] } | 'net' | 'net-v2' | 'data' | 'out-file' | 'out-dir';
interface Verb {
  verb: string;
  /** A valid command line, flags and values as pairs after the leading positionals. */
  positional: string[];
  flags: Record<string, string>;
  /** What each flag takes (how to make it bad). */
  takes: Record<string, Value>;
  required: string[];
}

const VERBS = (): Verb[] => [
  { verb: 'forward', positional: [], flags: { '--net': path('net.json'), '--data': path('smooth.json'), '--field': 'float64' }, takes: { '--net': 'net-v2', '--data': 'data', '--field': { bad: BAD.choice } }, required: ['--net', '--data'] },
  { verb: 'transform', positional: [], flags: { '--net': path('net.json'), '--symmetry': 'layer-scale', '--alphas': '2,1/2', '--out': path('out/t.json') }, takes: { '--net': 'net', '--symmetry': { bad: BAD.choice }, '--alphas': { bad: BAD.scalars }, '--out': 'out-file' }, required: ['--net', '--symmetry', '--alphas', '--out'] },
  { verb: 'transform', positional: [], flags: { '--net': path('net.json'), '--symmetry': 'neuron-scale', '--layer': '1', '--scales': '2,1/2', '--out': path('out/n.json') }, takes: { '--layer': { bad: [...BAD.integer, '0', '2', '-1'] }, '--scales': { bad: [...BAD.scalars, '-1,1', '0,1', '1,1,1'] } }, required: ['--layer', '--scales'] },
  { verb: 'eval', positional: [], flags: { '--net': path('net.json'), '--data': path('smooth.json'), '--metric': 'hessian-trace', '--engine': 'float64' }, takes: { '--net': 'net-v2', '--data': 'data', '--metric': { bad: BAD.choice }, '--engine': { bad: BAD.choice } }, required: ['--net', '--data', '--metric'] },
  { verb: 'eval', positional: [], flags: { '--net': path('net.json'), '--data': path('smooth.json'), '--metric': 'keskar-sharpness', '--epsilon': '1/1000', '--subspace': '2', '--seed': '1' }, takes: { '--epsilon': { bad: BAD.positiveScalar }, '--subspace': { bad: [...BAD.positiveInteger, '9'] }, '--seed': { bad: BAD.integer } }, required: ['--epsilon'] },
  { verb: 'witness', positional: ['hessian'], flags: { '--net': path('net.json'), '--data': path('smooth.json'), '--bound': '1e6', '--out': path('out/w.json') }, takes: { '--net': 'net', '--data': 'data', '--bound': { bad: BAD.positiveScalar }, '--out': 'out-file' }, required: ['--net', '--data', '--bound'] },
  { verb: 'witness', positional: ['sharpness'], flags: { '--net': path('net.json'), '--data': path('smooth.json'), '--epsilon': '1/1000', '--bound': '1e6', '--out': path('out/s.json') }, takes: { '--epsilon': { bad: BAD.positiveScalar }, '--bound': { bad: BAD.positiveScalar }, '--out': 'out-file' }, required: ['--epsilon', '--bound'] },
  { verb: 'check', positional: [fixture('path-norm-copy.mjs')], flags: { '--runs': '1', '--seed': '1', '--time-limit': '1000', '--families': 'permutation', '--junit': path('out/j.xml') }, takes: { '--runs': { bad: BAD.positiveInteger }, '--seed': { bad: BAD.integer }, '--time-limit': { bad: BAD.timeLimit }, '--families': { bad: ['nope', 'permutation,', 'layer_scale'] }, '--junit': 'out-file' }, required: [] },
  { verb: 'check', positional: [], flags: { '--exec': 'node fixtures/exec/node-metric.mjs ok', '--jobs': '2', '--claims': '{"invariant":["permutation"]}', '--runs': '1', '--families': 'permutation', '--junit': path('out/e.xml') }, takes: { '--exec': { bad: ['no-such-command-zz', 'node a | b', "'unterminated"] }, '--jobs': { bad: [...BAD.positiveInteger, '65'] }, '--claims': { bad: ['x', '{"invariant":["nope"]}', '[]', '{"sometimes":[]}'] }, '--junit': 'out-file' }, required: [] },
  { verb: 'metrics', positional: [], flags: {}, takes: {}, required: [] },
  { verb: 'prove', positional: [], flags: { '--scale': '1', '--seed': '1', '--out': path('out/report') }, takes: { '--scale': { bad: BAD.positiveInteger }, '--seed': { bad: BAD.integer }, '--out': 'out-dir' }, required: [] },
  { verb: 'experiment', positional: ['keskar'], flags: { '--seeds': '1', '--out': path('out/k'), '--data': path('ce.json') }, takes: { '--seeds': { bad: BAD.positiveInteger }, '--out': 'out-dir', '--data': 'data' }, required: [] },
];

/** One bad thing done to a valid command line: [kind, argv, what the message must name]. */
function badCommandLine(v: Verb): fc.Arbitrary<[string, string[], string[]]> {
  const line = (flags: Record<string, string>, extra: string[] = []) => [v.verb, ...v.positional, ...Object.entries(flags).flat(), ...extra];
  type Case = fc.Arbitrary<[string, string[], string[]]>;
  const options: (Case | { arbitrary: Case; weight: number })[] = [
    fc.constantFrom('extra', 'x.json', '-').map((a) => ['stray argument', line(v.flags, [a]), [`unexpected argument "${a}"`]]),
    fc.constantFrom('--bogus', '--json=1', '--quiet').map((f) => ['unknown or malformed option', line(v.flags, [f]), [f.replace(/=.*/, '')]]),
  ];
  const flagNames = Object.keys(v.takes);
  if (flagNames.length > 0) {
    options.push(
      fc.constantFrom(...flagNames).map((f) => ['repeated option', line(v.flags, [f, v.flags[f]!]), [`${f} is given twice`]]),
      fc.constantFrom(...flagNames).map((f) => ['empty value', line({ ...v.flags, [f]: '' }), [`${f} needs a value`]]),
      // Bad values and bad files are the most varied: drawn as often as the rest together.
      { weight: 5, arbitrary: fc.constantFrom(...flagNames).chain((f) => {
        const takes = v.takes[f]!;
        const bad: fc.Arbitrary<[string, string[]]> =
          takes === 'net' || takes === 'net-v2' ? fc.constantFrom(...BAD_NETWORK_FILES, ...(takes === 'net-v2' ? BAD_V2_NETWORK_FILES : [])).map(([name, , field]) => [path(`bad/${name}`), [f, field]])
          : takes === 'data' ? fc.constantFrom(...(v.verb === 'experiment' ? BAD_CE_FILES : BAD_DATA_FILES)).map(([name, , field]) => [path(`bad/${name}`), [f, field]])
          : takes === 'out-file' ? fc.constantFrom(path('a-dir'), path('a-file/x.json'), path('a-file/a/b.json')).map((p) => [p, [f, p.includes('a-file') ? 'is a file' : 'is a directory']])
          : takes === 'out-dir' ? fc.constantFrom(path('a-file'), path('a-file/x')).map((p) => [p, [f, 'is a file']])
          : fc.constantFrom(...takes.bad).map((b) => [b, [f]]);
        return bad.map(([value, named]) => [`bad ${typeof takes === 'string' ? takes : 'value'}`, line({ ...v.flags, [f]: value }), named] as [string, string[], string[]]);
      }) },
    );
  }
  if (v.verb === 'check') {
    const rest = Object.entries(v.flags).flat();
    options.push(fc.constantFrom(path('missing.mjs'), path('net.json'), path('a-dir'), path('a-file/m.ts')).map((m) => ['bad module', ['check', m, ...rest], ['MODULE']]));
  }
  if (v.required.length > 0) {
    options.push(fc.constantFrom(...v.required).map((f) => {
      const { [f]: _, ...rest } = v.flags;
      return ['missing option', line(rest), [`${f} is required`]];
    }));
  }
  return fc.oneof(...options);
}

describe('the bad-input property: every verb, generated bad command lines and files', () => {
  beforeAll(() => {
    mkdirSync(path('bad'), { recursive: true });
    mkdirSync(path('out'), { recursive: true });
    writeFileSync(path('out/keep.json'), 'previous contents');
    const validNet = JSON.stringify(relu);
    const validData = JSON.stringify(smooth);
    const validCe = JSON.stringify(crossEntropy);
    for (const [name, make] of BAD_NETWORK_FILES) if (name !== 'missing.json') writeFileSync(path(`bad/${name}`), make(validNet));
    for (const [name, make] of BAD_V2_NETWORK_FILES) {
      writeFileSync(path(`bad/${name}`), make(validV2Text()));
      expect(readFileSync(path(`bad/${name}`), 'utf8'), name).not.toBe(validV2Text()); // each mutation changed its file
    }
    for (const [name, make] of BAD_DATA_FILES) writeFileSync(path(`bad/${name}`), make(validData));
    for (const [name, make] of BAD_CE_FILES) writeFileSync(path(`bad/${name}`), make(validCe));
    for (const [name, make] of [...BAD_NETWORK_FILES, ...BAD_DATA_FILES, ...BAD_CE_FILES]) if (name !== 'missing.json') expect(readFileSync(path(`bad/${name}`), 'utf8'), name).not.toBe(make === undefined ? '' : name.startsWith('ce') ? validCe : name.startsWith('net') ? validNet : validData); // each mutation changed its file
  });

  /** The property's body for a command runner: false (a counterexample) when a bad command line is not refused as it should be. */
  const refusedProperly = (runner: typeof run, before: string[], seen?: Map<string, number>) =>
    fc.asyncProperty(fc.constantFrom(...VERBS()).chain((v) => badCommandLine(v).map((c) => [v.verb, ...c] as const)), async ([verb, kind, argv, named]) => {
      seen?.set(verb, (seen.get(verb) ?? 0) + 1);
      seen?.set(kind, (seen.get(kind) ?? 0) + 1);
      const r = await runner(...argv);
      expect(r.code, `${argv.join(' ')}\n${r.err}`).toBe(2);
      expect(r.err.startsWith(`flatcheck ${verb}: `), r.err).toBe(true);
      expect(r.err, r.err).not.toMatch(/\n\s+at |internal error/);
      for (const n of named) expect(r.err, `${argv.join(' ')}: should name ${n}`).toContain(n);
      expect(r.out).toBe('');
      expect(snapshot(dir)).toEqual(before);
    });

  it('exits 2, names the option or field, prints no stack and writes nothing', async () => {
    const verbs = VERBS();
    const seen = new Map<string, number>();
    await fc.assert(refusedProperly(run, snapshot(dir), seen), runs(400));
    // The generator reaches every verb and every kind of bad input.
    for (const v of new Set(verbs.map((x) => x.verb))) expect(seen.get(v), v).toBeGreaterThan(0);
    for (const k of ['stray argument', 'unknown or malformed option', 'repeated option', 'empty value', 'missing option', 'bad value', 'bad net', 'bad net-v2', 'bad data', 'bad out-file', 'bad out-dir', 'bad module']) expect(seen.get(k), k).toBeGreaterThan(0);
  });

  it('negative controls: a command line that ignores a stray argument, and one whose bad-value message loses its option name, are caught', async () => {
    const ignoresStray: typeof run = async (...argv) => (argv.includes('extra') ? { code: 0, out: 'ok', err: '' } : run(...argv));
    const unnamed: typeof run = async (...argv) => {
      const r = await run(...argv);
      return { ...r, err: r.err.replace(/--[a-z-]+/g, 'an option') };
    };
    for (const broken of [ignoresStray, unnamed]) {
      const details = await fc.check(refusedProperly(broken, snapshot(dir)), runs(400));
      expect(details.failed, `seed ${details.seed}`).toBe(true);
    }
  });
});

describe('as real processes: exit 2, one line, no stack', () => {
  const flatcheck = async (...argv: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...argv], { encoding: 'utf8' });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const { code, stdout, stderr } = e as { code: number; stdout: string; stderr: string };
      return { code, stdout, stderr };
    }
  };

  it.each([
    [['forward', '--net', 'tanh.json', '--data', 'smooth.json', '--field', 'rational'], '--field: expected an input exact rationals can evaluate'],
    [['forward', '--net', 'deep.json', '--data', 'smooth.json'], '--net: expected valid JSON (nesting at most'],
    [['check', fixture('import-exits-0.mjs')], 'MODULE: expected a module that loads (it ended its thread with exit code 0 while being imported (process.exit?))'],
    [['check', fixture('import-exits-1.mjs')], 'MODULE: expected a module that loads (it ended its thread with exit code 1'],
    [['check', fixture('import-hangs.mjs'), '--time-limit', '3000'], 'MODULE: expected a module that loads within 3000 ms (the --time-limit); it was still being imported'],
  ])('flatcheck %j', async (argv, message) => {
    writeFileSync(path('deep.json'), `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    const r = await flatcheck(...argv.map((a) => (a.endsWith('.json') ? path(a) : a)));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  }, 120_000);
});

describe('hostile metric modules', () => {
  it('a claim on a family the battery does not have is named, not skipped', async () => {
    expectBadInput(await run('check', fixture('unknown-claim.mjs'), '--runs', '1'), 'check', 'claims.invariant[1]: expected one of "layer-scale", "neuron-scale", "permutation", "residual-scale", "batchnorm-scale", "sign-flip", "logit-shift", got "rotation"');
  }, 60_000);

  it('a module printing to stdout (at import and per evaluation) leaves --json stdout parseable: its prints are its log, on stderr with --verbose', async () => {
    const command = [bin, 'check', fixture('chatty.mjs'), '--runs', '1', '--families', 'permutation', '--json'];
    const quiet = await promisify(execFile)(process.execPath, command, { encoding: 'utf8' });
    expect(JSON.parse(quiet.stdout)).toMatchObject({ metric: 'chatty', claims: { ok: true } });
    expect(quiet.stderr).not.toContain('evaluating');
    const verbose = await promisify(execFile)(process.execPath, [...command, '--verbose'], { encoding: 'utf8' });
    expect(verbose.stdout).toBe(quiet.stdout);
    expect(verbose.stderr).toContain('[metric stdout] {"not": "the report"}');
    expect(verbose.stderr).toContain('evaluating');
  }, 120_000);
});
