// flatcheck check --exec: a metric program through the CLI — verdicts, exit
// codes, replay lines, --claims/--id overrides, --jobs, --verbose, and
// byte-identical JSON for the same seed.
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['check', ...argv], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

// The Node fixture: the sum of squared parameters (invariant under permutation only), claiming permutation invariance and layer-scale unboundedness.
const NODE = 'node fixtures/exec/node-metric.mjs';

describe('flatcheck check --exec', () => {
  it('verdicts and claims of a program; the same seed gives byte-identical JSON, with --jobs 1 and --jobs 2', async () => {
    const a = await run('--exec', `${NODE} ok`, '--runs', '15', '--json');
    expect(a.code, a.err).toBe(0);
    const report = JSON.parse(a.out) as { metric: string; families: Record<string, { verdict: string }>; claims: { ok: boolean } };
    expect(report.metric).toBe('node-sum-of-squares');
    expect(Object.fromEntries(Object.entries(report.families).map(([f, r]) => [f, r.verdict]))).toEqual({ 'layer-scale': 'unbounded', 'neuron-scale': 'unbounded', permutation: 'invariant' });
    const b = await run('--exec', `${NODE} ok`, '--runs', '15', '--json');
    expect(b.out).toBe(a.out);
    const parallel = await run('--exec', `${NODE} ok`, '--runs', '15', '--json', '--jobs', '2');
    expect(parallel.out).toBe(a.out);
  });

  it('a failing claim exits 1, and its text output names the seed and a replay command', async () => {
    const r = await run('--exec', `${NODE} ok`, '--runs', '10', '--claims', '{"invariant":["layer-scale"]}', '--families', 'layer-scale', '--seed', '7');
    expect(r.code).toBe(1);
    expect(r.out).toContain('claims failed: invariant under layer-scale (verdict: unbounded)');
    // Unbounded is the verdict here, and the claim fails on it: the id override and the seed show in the report.
    const j = JSON.parse((await run('--exec', `${NODE} ok`, '--runs', '10', '--id', 'renamed', '--families', 'neuron-scale', '--claims', '{"invariant":["neuron-scale"]}', '--json')).out) as { metric: string; families: Record<string, { seed: number }> };
    expect(j.metric).toBe('renamed');
    expect(j.families['neuron-scale']!.seed).toBeTypeOf('number');
    const nan = await run('--exec', `${NODE} nan`, '--runs', '5', '--families', 'permutation', '--seed', '3');
    expect(nan.code).toBe(1);
    expect(nan.out).toMatch(/permutation +error/);
    expect(nan.out).toContain(`replay: flatcheck check --exec '${NODE} nan' --families permutation --runs 5 --seed 3`);
  });

  it('usage and bad input exit 2, named: a command not found, bad --claims, --jobs without --exec, MODULE and --exec together', async () => {
    const missing = await run('--exec', 'no-such-command-here --flag');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--exec');
    expect(missing.err).toContain('command not found: no-such-command-here');
    for (const [claims, field] of [['not json', '--claims'], ['{"invariant":["rotation"]}', '--claims.invariant[0]'], ['{"sometimes":[]}', '--claims.sometimes']]) {
      const r = await run('--exec', `${NODE} ok`, '--claims', claims!);
      expect(r.code, claims).toBe(2);
      expect(r.err).toContain(field);
    }
    expect((await run('fixtures/metrics/path-norm-copy.mjs', '--jobs', '2')).code).toBe(2);
    expect((await run('fixtures/metrics/path-norm-copy.mjs', '--exec', `${NODE} ok`)).code).toBe(2);
    expect((await run('--exec', `${NODE} ok`, '--jobs', '0')).err).toContain('--jobs');
  });

  it("the program's prints never reach stdout: --json is one document; --verbose puts the log on stderr", async () => {
    const r = await run('--exec', `${NODE} garbage`, '--runs', '5', '--families', 'permutation', '--json', '--verbose');
    expect(r.code, r.err).toBe(0);
    expect(() => JSON.parse(r.out)).not.toThrow();
    expect(r.err).toMatch(/\[metric (stdout|stderr)\]/);
    const quiet = await run('--exec', `${NODE} garbage`, '--runs', '5', '--families', 'permutation', '--json');
    expect(quiet.err).toBe('');
    expect(quiet.out).toBe(r.out);
  });
});
