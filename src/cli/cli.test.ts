import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.js';

let dir = '';
const path = (name: string) => join(dir, name);
const net = {
  format: 'flatcheck.network/v1',
  inputSize: 2,
  layers: [
    { weights: [[1, '-1/2'], ['3/4', 2]], bias: [0, '1/3'], activation: 'relu' },
    { weights: [[1, -1]], activation: 'linear' },
  ],
};
const data = { format: 'flatcheck.dataset/v1', loss: 'mse', inputs: [[1, 2], ['1/2', -1]], targets: [[0], [1]] };

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flatcheck-cli-'));
  writeFileSync(path('net.json'), JSON.stringify(net));
  writeFileSync(path('data.json'), JSON.stringify(data));
  // Off the kinks (data.json puts sample 0 exactly on one): for derivatives.
  writeFileSync(path('smooth.json'), JSON.stringify({ ...data, inputs: [[1, 3], ['1/2', -1]] }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flatcheck forward', () => {
  it('prints exact outputs and loss as "p/q" strings in the rational field', async () => {
    const r = await run('forward', '--net', path('net.json'), '--data', path('data.json'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ outputs: [['-61/12'], ['1']], loss: '3721/288' });
  });

  it('agrees in float64 and tfjs within float32 precision', async () => {
    const f64 = JSON.parse((await run('forward', '--net', path('net.json'), '--data', path('data.json'), '--field', 'float64', '--json')).out);
    expect(f64.outputs[0][0]).toBe(-61 / 12);
    const f32 = JSON.parse((await run('forward', '--net', path('net.json'), '--data', path('data.json'), '--field', 'tfjs', '--json')).out);
    expect(Math.abs(f32.outputs[0][0] - -61 / 12)).toBeLessThan(2 ** -20 * 8);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(f32.backend);
  });

  it.each([
    [['--net', 'missing.json', '--data', 'data.json'], /--net: expected a readable file \(ENOENT\), got ".*missing.json"/],
    [['--net', 'net.json', '--data', 'data.json', '--field', 'float16'], /--field: expected "rational", "float64", "tfjs", got "float16"/],
    [['--net', 'net.json'], /--data is required/],
    [['--net', 'net.json', '--data', 'data.json', '--verbose'], /unknown option --verbose/],
  ])('bad usage %j exits 2 with a named error', async (argv, message) => {
    const r = await run('forward', ...argv.map((a) => (a.endsWith('.json') ? path(a) : a)));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('flatcheck transform', () => {
  it('keeps exact rationals exact and the function unchanged', async () => {
    const r = await run('transform', '--net', path('net.json'), '--symmetry', 'neuron-scale', '--layer', '1', '--scales', '3,1/7', '--out', path('scaled.json'));
    expect(r.code).toBe(0);
    const written = JSON.parse(readFileSync(path('scaled.json'), 'utf8'));
    expect(written.layers[0].weights[1]).toEqual(['3/28', '2/7']);
    expect(written.layers[1].weights[0]).toEqual(['1/3', '-7']);
    const f = await run('forward', '--net', path('scaled.json'), '--data', path('data.json'), '--json');
    expect(JSON.parse(f.out)).toEqual({ outputs: [['-61/12'], ['1']], loss: '3721/288' });
  });

  it('layer-scale and permutation', async () => {
    expect((await run('transform', '--net', path('net.json'), '--symmetry', 'layer-scale', '--alphas', '1e3,0.001', '--out', path('l.json'))).code).toBe(0);
    expect(JSON.parse(readFileSync(path('l.json'), 'utf8')).layers[1].weights[0]).toEqual(['1/1000', '-1/1000']);
    expect((await run('transform', '--net', path('net.json'), '--symmetry', 'permutation', '--layer', '1', '--perm', '1,0', '--out', path('p.json'))).code).toBe(0);
    expect(JSON.parse(readFileSync(path('p.json'), 'utf8')).layers[0].bias).toEqual(['1/3', '0']);
  });

  it('writes nothing, and leaves an existing file untouched, when the input is bad', async () => {
    writeFileSync(path('keep.json'), 'previous contents');
    for (const argv of [
      ['--symmetry', 'layer-scale', '--alphas', '2,1/3'],
      ['--symmetry', 'neuron-scale', '--layer', '1', '--scales', '2,-1'],
      ['--symmetry', 'permutation', '--layer', '2', '--perm', '0'],
      ['--symmetry', 'layer-scale', '--alphas', '2,x'],
    ]) {
      const r = await run('transform', '--net', path('net.json'), ...argv, '--out', path('keep.json'));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^flatcheck transform: --(alphas|scales|layer)(\[\d\])?: expected /);
    }
    expect(readFileSync(path('keep.json'), 'utf8')).toBe('previous contents');
    const r = await run('transform', '--net', path('net.json'), '--symmetry', 'layer-scale', '--alphas', '2,1/3', '--out', path('new.json'));
    expect(r.err).toBe('flatcheck transform: --alphas: expected scales whose product is 1 (it is 2/3), got [2, 1/3]');
    expect(existsSync(path('new.json'))).toBe(false);
  });
});

describe('flatcheck eval', () => {
  it('gives exact rationals in the rational engine and agreeing floats in the others', async () => {
    const value = async (metric: string, engine: string) =>
      JSON.parse((await run('eval', '--net', path('net.json'), '--data', path('smooth.json'), '--metric', metric, '--engine', engine, '--json')).out);
    expect(await value('hessian-trace', 'rational')).toEqual({ metric: 'hessian-trace', engine: 'rational', value: '9277/144', approx: 9277 / 144 });
    expect((await value('hessian-trace', 'float64')).value).toBeCloseTo(9277 / 144, 12);
    expect((await value('hessian-trace', 'tfjs')).value).toBeCloseTo(9277 / 144, 4);
    expect((await value('gradient-norm', 'rational')).squared).toBe('63645025/20736');
    expect((await value('hessian-frobenius', 'rational')).squared).toBe('146483905/20736');
  });

  it('reports a kink as undefined, in every engine, with exit 2', async () => {
    for (const engine of ['rational', 'float64', 'tfjs']) {
      const r = await run('eval', '--net', path('net.json'), '--data', path('data.json'), '--metric', 'hessian-trace', '--engine', engine);
      expect(r.code).toBe(2);
      expect(r.err).toContain('derivative undefined here: sample 0, layer 0 (0-based), unit 0');
    }
  });
});

describe('flatcheck witness hessian', () => {
  it('certifies |||∇²L(T_α θ)|||₂ ≥ 1e12 exactly and writes the equivalent network', async () => {
    const r = await run('witness', 'hessian', '--net', path('net.json'), '--data', path('smooth.json'), '--bound', '1e12', '--out', path('sharp.json'), '--json');
    expect(r.code).toBe(0);
    const w = JSON.parse(r.out);
    expect(w.certificate.holds).toBe(true);
    expect(w.certificate.outputsIdentical).toBe(true);
    expect(w.approx).toBeGreaterThanOrEqual(1e12);
    const before = JSON.parse((await run('forward', '--net', path('net.json'), '--data', path('smooth.json'), '--json')).out);
    const after = JSON.parse((await run('forward', '--net', path('sharp.json'), '--data', path('smooth.json'), '--json')).out);
    expect(after).toEqual(before);
    const norm = JSON.parse((await run('eval', '--net', path('sharp.json'), '--data', path('smooth.json'), '--metric', 'hessian-spectral-norm', '--json')).out);
    expect(norm.value).toBeGreaterThanOrEqual(1e12);
  });

  it('rejects a non-positive bound and a missing kind', async () => {
    expect((await run('witness', 'hessian', '--net', path('net.json'), '--data', path('smooth.json'), '--bound', '-3')).err).toContain('--bound: expected a positive bound, got -3');
    expect((await run('witness', '--net', path('net.json'), '--data', path('smooth.json'), '--bound', '3')).code).toBe(2);
  });
});

describe('ε-sharpness from the command line', () => {
  it('eval reports a lower bound, its argmax, and the exactly proven value', async () => {
    for (const [metric, extra] of [['ball-sharpness', []], ['keskar-sharpness', []], ['keskar-sharpness', ['--subspace', '3', '--seed', '2']]] as const) {
      const r = await run('eval', '--net', path('net.json'), '--data', path('smooth.json'), '--metric', metric, '--epsilon', '1/1000', ...extra, '--json');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.out);
      expect(out.lowerBound).toBe(true);
      expect(out.argmax).toHaveLength(8);
      expect(out.exact.feasible).toBe(true);
      expect(out.value).toBeGreaterThan(0);
      expect(out.gradientEvaluations).toBeGreaterThan(0);
    }
  });

  it('witness sharpness certifies ε-sharpness ≥ M in the ball and the box, with identical outputs', async () => {
    for (const box of [[], ['--box']]) {
      const r = await run('witness', 'sharpness', '--net', path('net.json'), '--data', path('smooth.json'), '--epsilon', '1/1000', '--bound', '1e6', ...box, '--out', path('sharp-eps.json'), '--json');
      expect(r.code).toBe(0);
      const w = JSON.parse(r.out);
      expect(w.certificate).toEqual({ feasible: true, outputsIdentical: true, bound: '1000000', holds: true });
      expect(w.approx).toBeGreaterThanOrEqual(box.length ? 1e8 : 1e6);
      expect(w.delta.filter((d: string) => d !== '0')).toHaveLength(1);
    }
  });

  it('rejects a missing or non-positive ε and flags that do not apply', async () => {
    expect((await run('eval', '--net', path('net.json'), '--data', path('smooth.json'), '--metric', 'ball-sharpness')).err).toContain('--epsilon is required');
    expect((await run('eval', '--net', path('net.json'), '--data', path('smooth.json'), '--metric', 'ball-sharpness', '--epsilon', '0')).err).toContain('--epsilon: expected a positive number, got 0');
    expect((await run('eval', '--net', path('net.json'), '--data', path('smooth.json'), '--metric', 'ball-sharpness', '--epsilon', '1', '--subspace', '2')).err).toContain('--subspace applies to keskar-sharpness only');
    expect((await run('eval', '--net', path('net.json'), '--data', path('smooth.json'), '--metric', 'loss', '--epsilon', '1')).err).toContain('--epsilon applies to the sharpness metrics only');
  });
});

describe('flatcheck check and flatcheck metrics', () => {
  const fixture = (name: string) => join(import.meta.dirname, '../../fixtures/metrics', name);

  it('a correct .mjs metric: every claim holds, exit 0, JSON and JUnit', async () => {
    const r = await run('check', fixture('path-norm-copy.mjs'), '--runs', '10', '--json', '--junit', path('junit.xml'));
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.claims).toEqual({ ok: true, failed: [] });
    expect(Object.keys(report.families)).toEqual(['layer-scale', 'neuron-scale', 'permutation']);
    expect(readFileSync(path('junit.xml'), 'utf8')).toContain('<testsuite name="flatcheck path-norm-js" tests="3" failures="0">');
  });

  it('a .ts metric whose claim is false: exit 1 with the shrunk counterexample', async () => {
    const r = await run('check', fixture('weight-decay.ts'), '--families', 'layer-scale', '--runs', '10', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.claims.failed).toEqual(['invariant under layer-scale (verdict: unbounded)']);
    expect(report.families['layer-scale'].counterexample.symmetry).toMatch(/^layer-scale/);
  });

  it('--architectures: a verdict per architecture and family, claims checked on each, replay lines that name the architecture', async () => {
    const r = await run('check', fixture('weight-decay.ts'), '--architectures', 'cnn,resnet', '--families', 'permutation,residual-scale', '--runs', '4');
    expect(r.code).toBe(0); // ‖θ‖² is permutation-invariant, and its layer-scale claim concerns a family not checked here
    expect(r.out).toMatch(/ {2}cnn:\n {4}permutation +invariant/);
    expect(r.out).toMatch(/ {2}resnet:\n {4}permutation +invariant\n {4}residual-scale +unbounded/);
    const json = JSON.parse((await run('check', fixture('weight-decay.ts'), '--architectures', 'mlp,resnet', '--families', 'layer-scale', '--runs', '4', '--json')).out);
    expect(json.claims.failed).toEqual(['invariant under layer-scale on mlp (verdict: unbounded)', 'invariant under layer-scale on resnet (verdict: unbounded)']);
    expect(Object.keys(json.architectures)).toEqual(['mlp', 'resnet']);
    const bad = await run('check', fixture('weight-decay.ts'), '--architectures', 'cnn,transformer');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--architectures[1]: expected "mlp", "cnn", "resnet", got "transformer"');
    const family = await run('check', fixture('weight-decay.ts'), '--architectures', 'cnn', '--families', 'residual-scale');
    expect(family.code).toBe(2);
    expect(family.err).toContain('--families[0]: expected a family of cnn');
  });

  it('reproduces rows of the docs/theory.md §5 table on reference metric files, a Monte-Carlo one included (evaluated in the worker)', async () => {
    const reference = (name: string) => join(import.meta.dirname, '../metrics/reference', name);
    const verdicts = async (name: string) => {
      const r = await run('check', reference(name), '--runs', '8', '--json');
      expect(r.code, r.err).toBe(0);
      return Object.values((JSON.parse(r.out) as { families: Record<string, { verdict: string }> }).families).map((f) => f.verdict);
    };
    expect(await verdicts('hessian-trace.ts')).toEqual(['unbounded', 'unbounded', 'invariant']);
    expect(await verdicts('magnitude-pac-bayes-sigma.ts')).toEqual(['invariant', 'invariant', 'invariant']);
  }, 120_000);

  it('a metric stuck in a synchronous loop is cut off in its worker: verdict error, and the next family still runs', async () => {
    const r = await run('check', fixture('sync-hang.mjs'), '--families', 'layer-scale,permutation', '--runs', '2', '--time-limit', '300', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.families['layer-scale']).toMatchObject({ verdict: 'error', error: 'timed out after 300 ms' });
    expect(report.families.permutation).toMatchObject({ verdict: 'error', error: 'timed out after 300 ms' });
    expect(report.claims.failed).toEqual(['invariant under permutation (verdict: error)']);
  }, 60_000);

  it.each([
    ['missing.ts', 'MODULE: expected an existing file'],
    ['no-default.mjs', 'MODULE: expected a default export { id, evaluate(ctx) }'],
    ['syntax-error.mjs', 'MODULE: expected a module that loads ('],
  ])('load errors are named, exit 2: %s', async (name, message) => {
    const r = await run('check', fixture(name));
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });

  it('metrics lists the registry with claims', async () => {
    const r = await run('metrics', '--json');
    const list = JSON.parse(r.out) as { id: string; claims: object }[];
    expect(list.map((m) => m.id)).toContain('path-norm');
    expect(list.find((m) => m.id === 'loss')!.claims).toEqual({ invariant: ['layer-scale', 'neuron-scale', 'permutation'] });
  });
});

describe('the flatcheck bin', () => {
  it('runs from the checkout through node, with exit codes 0 and 2', () => {
    const bin = join(import.meta.dirname, '../../bin/flatcheck.mjs');
    const out = execFileSync(process.execPath, [bin, 'forward', '--net', path('net.json'), '--data', path('data.json'), '--json'], { encoding: 'utf8' });
    expect(JSON.parse(out).loss).toBe('3721/288');
    let status = 0;
    try {
      execFileSync(process.execPath, [bin, 'nonsense'], { stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
    }
    expect(status).toBe(2);
  });
});
