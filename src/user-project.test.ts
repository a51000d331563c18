// The package as a user gets it: packed, installed into a fresh project, used from plain node, TypeScript,
// npx and vitest. Offline: the project's node_modules holds the unpacked tarball and, for each dependency the
// tarball's package.json declares (and the user's own vitest and typescript), a link to this repository's copy
// (`npm ci` installed those). A dependency missing from package.json therefore fails to resolve here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const repo = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string; files: string[]; dependencies: Record<string, string> };
let dir: string;
let project: string;

/** A child process's environment without this vitest run's own variables (a nested vitest would read them). */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST'));
const run = (command: string, args: string[], cwd = project) => spawnSync(command, args, { cwd, env: { ...env, npm_config_offline: 'true', npm_config_update_notifier: 'false' }, encoding: 'utf8', timeout: 120_000 });

const link = (name: string) => {
  const target = join(project, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(repo, 'node_modules', name), target);
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flatcheck-user-'));
  // Built into a staging copy (never over this checkout's dist/, which other tests run), then packed.
  const stage = join(dir, 'stage');
  mkdirSync(stage);
  cpSync(join(repo, 'package.json'), join(stage, 'package.json'));
  for (const entry of pkg.files) if (entry !== 'dist' && existsSync(join(repo, entry))) cpSync(join(repo, entry), join(stage, entry), { recursive: true });
  execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], { cwd: repo });
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: stage, env, encoding: 'utf8' })) as [{ filename: string }];

  project = join(dir, 'project');
  mkdirSync(join(project, 'node_modules/flatcheck'), { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, packed.filename), '-C', join(project, 'node_modules/flatcheck'), '--strip-components=1']);
  for (const name of [...Object.keys(pkg.dependencies), 'vitest', 'typescript', '@types/node']) link(name);
  mkdirSync(join(project, 'node_modules/.bin'));
  symlinkSync('../flatcheck/bin/flatcheck.mjs', join(project, 'node_modules/.bin/flatcheck'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module', dependencies: { flatcheck: pkg.version } }));
  writeFileSync(join(project, 'net.json'), JSON.stringify({ format: 'flatcheck.network/v1', inputSize: 2, layers: [{ weights: [[1, '-1/2'], ['3/4', 2]], bias: [0, '1/3'], activation: 'relu' }, { weights: [[1, -1]], activation: 'linear' }] }));
  writeFileSync(join(project, 'data.json'), JSON.stringify({ format: 'flatcheck.dataset/v1', loss: 'mse', inputs: [[1, 2], [-1, '1/2']], targets: [[0], [1]] }));
  writeFileSync(
    join(project, 'path-norm.ts'),
    [
      "import { defineMetric, type MetricContext } from 'flatcheck';",
      '',
      'type Net = { inputSize: number; layers: { weights: number[][]; bias?: number[] }[] };',
      'export default defineMetric({',
      "  id: 'user-path-norm',",
      "  claims: { invariant: ['neuron-scale', 'permutation'] },",
      '  evaluate(ctx: MetricContext): number {',
      '    const net = ctx.network as Net;',
      '    let v = new Array<number>(net.inputSize).fill(1);',
      '    for (const layer of net.layers) v = layer.weights.map((row, i) => row.reduce((s, w, j) => s + w * w * v[j]!, layer.bias ? layer.bias[i]! ** 2 : 0));',
      '    return Math.sqrt(v.reduce((a, b) => a + b, 0));',
      '  },',
      '});',
      '',
    ].join('\n'),
  );
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package in a user\'s project', () => {
  it('ships dist/, bin/, the README and the license, and no sources, tests or fixtures', () => {
    const [listing] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: join(dir, 'stage'), env, encoding: 'utf8' })) as [{ files: { path: string }[] }];
    const files = listing.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'bin/flatcheck.mjs', 'dist/index.js', 'dist/index.d.ts', 'dist/vitest.js', 'dist/arbitraries.js', 'dist/metrics/worker.js']));
    const allowed = /^(dist|bin|docs|schemas|adapters)\/|^(LICENSE|README\.md|package\.json)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files.filter((f) => /\.test\.|(^|\/)(fixtures|properties|src)\//.test(f))).toEqual([]);
  });

  it('imports with plain node: named exports, no TensorFlow.js namespace, no prototype patched', () => {
    const script = [
      "import { Fraction } from 'fraction.js';",
      "const m = await import('flatcheck');",
      "const a = await import('flatcheck/arbitraries');",
      'const { applySymmetry, forward, networkIn, parseNetwork, rationalField: Q } = m;',
      "const net = networkIn(Q, parseNetwork({ format: 'flatcheck.network/v1', inputSize: 1, layers: [{ weights: [[2]], activation: 'relu' }, { weights: [[3]], activation: 'linear' }] }));",
      "const scaled = applySymmetry(Q, net, { kind: 'layer-scale', alphas: [new Fraction(1000n), new Fraction(1n, 1000n)] });",
      'const x = [[Q.fromScalar(5)]];',
      "console.log(JSON.stringify({ equal: forward(Q, net, x)[0][0].equals(forward(Q, scaled, x)[0][0]), tf: 'tf' in m, networkArbitrary: typeof a.networkArbitrary, patched: Object.getOwnPropertySymbols(Fraction.prototype).length }));",
    ].join('\n');
    writeFileSync(join(project, 'use.mjs'), script);
    const r = run(process.execPath, ['use.mjs']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ equal: true, tf: false, networkArbitrary: 'function', patched: 0 });
  });

  it('type-checks a TypeScript file against the declarations, and rejects a wrong use', () => {
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, include: ['*.ts'] }));
    writeFileSync(
      join(project, 'typed.ts'),
      [
        "import { checkMetric, parseNetwork, type BatteryReport, type Network } from 'flatcheck';",
        "import { networkArbitrary } from 'flatcheck/arbitraries';",
        "import metric from './path-norm.js';",
        "const net = parseNetwork({ format: 'flatcheck.network/v1', inputSize: 1, layers: [{ weights: [[1]], activation: 'linear' }] });",
        'const size: number = net.inputSize;',
        "const report: Promise<BatteryReport> = checkMetric(metric, { families: ['permutation'], runs: 1 });",
        'export { size, report, networkArbitrary };',
        'export type N = Network<number>;',
      ].join('\n'),
    );
    const tsc = join(project, 'node_modules/typescript/bin/tsc');
    const ok = run(process.execPath, [tsc, '-p', '.']);
    expect(ok.stdout + ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    writeFileSync(join(project, 'wrong.ts'), "import { checkMetric } from 'flatcheck';\nexport const r = checkMetric({ id: 1 }, {});\n");
    const wrong = run(process.execPath, [tsc, '-p', '.']);
    rmSync(join(project, 'wrong.ts'));
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout).toContain('wrong.ts');
  });

  it('runs npx flatcheck forward, check on a .ts metric, --version and help; prove asks for a checkout', () => {
    const forward = run('npx', ['flatcheck', 'forward', '--net', 'net.json', '--data', 'data.json', '--json']);
    expect(forward.stderr).toBe('');
    expect(forward.status).toBe(0);
    expect(JSON.parse(forward.stdout)).toMatchObject({ outputs: [['-61/12'], ['-7/12']] });
    const check = run('npx', ['flatcheck', 'check', 'path-norm.ts', '--families', 'neuron-scale,permutation', '--runs', '5', '--json']);
    expect(check.status, check.stderr).toBe(0);
    const report = JSON.parse(check.stdout) as { families: Record<string, { verdict: string }>; claims: { ok: boolean } };
    expect(report.families['neuron-scale']!.verdict).toBe('invariant');
    expect(report.claims.ok).toBe(true);
    const version = run('npx', ['flatcheck', '--version']);
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = run('npx', ['flatcheck', 'help', 'forward']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: flatcheck forward --net NET.json');
    // The property suite is not in the package: prove says to run it from a checkout.
    const prove = run('npx', ['flatcheck', 'prove']);
    expect(prove.status).toBe(2);
    expect(prove.stderr).toMatch(/from a checkout/);
  });

  it("uses the matchers in the project's own vitest run", () => {
    writeFileSync(
      join(project, 'metric.test.ts'),
      [
        "import { expect, it } from 'vitest';",
        "import 'flatcheck/vitest';",
        "import { defineMetric } from 'flatcheck';",
        "import pathNorm from './path-norm.js';",
        "const weightDecay = defineMetric({ id: 'weight-decay', evaluate: (ctx) => ctx.theta.reduce((s, t) => s + t * t, 0) });",
        "it('path norm is invariant under neuron-scale', async () => { await expect(pathNorm).toBeInvariantUnder('neuron-scale', { runs: 10 }); });",
        "it('weight decay is not invariant under layer-scale', async () => { await expect(weightDecay).not.toBeInvariantUnder('layer-scale', { runs: 10 }); });",
        "it('a false claim fails with the verdict', async () => { await expect(expect(weightDecay).toBeInvariantUnder('layer-scale', { runs: 10 })).rejects.toThrow(/verdict: (not-invariant|unbounded)/); });",
      ].join('\n'),
    );
    const r = run(process.execPath, [join(project, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=json', '--outputFile=vitest.json']);
    const json = JSON.parse(readFileSync(join(project, 'vitest.json'), 'utf8')) as { numPassedTests: number; numFailedTests: number };
    expect({ passed: json.numPassedTests, failed: json.numFailedTests }, r.stdout + r.stderr).toEqual({ passed: 3, failed: 0 });
  });
});
