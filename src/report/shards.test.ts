import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../metrics/index.js';
import { prove, proveShard, type ProveOptions } from './prove.js';
import { mergeShards, parseShard, readShards, SHARD_FILE } from './shards.js';
import type { ProofSummary } from './summary.js';
import { THEOREMS } from './theorems.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'flatcheck-shards-test-'));
// Two small property files at 2 cases per property: vitest's --shard=i/2 gives each shard one of them.
const FILES = ['properties/flat-volume.prop.ts', 'properties/schemas.prop.ts'];
const previousRuns = process.env.FLATCHECK_RUNS;
beforeAll(() => {
  process.env.FLATCHECK_RUNS = '2';
});
afterAll(() => {
  if (previousRuns === undefined) delete process.env.FLATCHECK_RUNS;
  else process.env.FLATCHECK_RUNS = previousRuns;
  rmSync(work, { recursive: true, force: true });
});

const base = async (): Promise<Omit<ProveOptions, 'outDir'>> => {
  const loss = (await loadRegistry()).find((m) => m.id === 'loss')!;
  return { scale: 1, seed: 7, root, filters: FILES, metrics: async () => [loss], conformanceRuns: 4, figureAlphas: [0.5, 1, 2], theorems: THEOREMS.filter((t) => t.id === 'theorem-2') };
};

/** What a run checked: every file, statement, check, its result and case count (not its time, nor its failure text). */
const checked = (s: ProofSummary) => s.files.map((f) => ({ file: f.file, claims: f.claims.map((c) => ({ statement: c.statement, checks: c.checks.map((k) => ({ title: k.title, status: k.status, cases: k.cases })) })) }));

describe('sharded prove runs', () => {
  it('2 shards merged hold the same checks and case counts as one unsharded run at the same seed and scale', async () => {
    const opts = await base();
    const whole = await prove({ ...opts, outDir: join(work, 'whole') });
    const dirs = [join(work, 'shard-2'), join(work, 'shard-1')];
    const second = await proveShard({ ...opts, outDir: dirs[0]!, shard: { index: 2, count: 2 } });
    const first = await proveShard({ ...opts, outDir: dirs[1]!, shard: { index: 1, count: 2 } });
    // Each shard ran part of the suite: one file each, together both.
    expect([first.vitest.testResults.length, second.vitest.testResults.length]).toEqual([1, 1]);
    expect(first.vitest.testResults[0]!.name).not.toBe(second.vitest.testResults[0]!.name);
    const shards = readShards(dirs);
    expect(shards.map((s) => s.index)).toEqual([1, 2]);
    const merged = await prove({ ...opts, outDir: join(work, 'merged'), shards: shards.map(({ index, count, seed, scale }) => ({ index, count, seed, scale })), runSuite: async () => mergeShards(shards, root) });
    expect(checked(whole).map((f) => f.file)).toEqual(FILES);
    expect(checked(merged)).toEqual(checked(whole));
    expect(checked(merged).flatMap((f) => f.claims.flatMap((c) => c.checks)).some((k) => (k.cases?.runs ?? 0) > 0)).toBe(true);
    expect([merged.passed, merged.failed]).toEqual([whole.passed, whole.failed]);
    // The merged report records every shard's seed and scale, in summary.json, index.md and index.html.
    const json = JSON.parse(readFileSync(join(work, 'merged/summary.json'), 'utf8')) as ProofSummary;
    expect(json.shards).toEqual([{ index: 1, count: 2, seed: 7, scale: 1 }, { index: 2, count: 2, seed: 7, scale: 1 }]);
    expect(readFileSync(join(work, 'merged/index.md'), 'utf8')).toContain('- Merged from 2 shards: 1/2 (seed 7, scale 1×), 2/2 (seed 7, scale 1×)');
    expect(readFileSync(join(work, 'merged/index.html'), 'utf8')).toContain('Merged from 2 shards');
    expect(whole.shards).toBeUndefined();
  });

  it('a shard that vitest cannot run (more shards than files) is an error, never an empty pass, and writes nothing', async () => {
    const opts = await base();
    await expect(proveShard({ ...opts, outDir: join(work, 'too-many'), shard: { index: 3, count: 3 } })).rejects.toThrow('the property suite did not run cleanly');
    expect(existsSync(join(work, 'too-many'))).toBe(false);
  });

  it('a set of shards that is not one whole run is bad input naming --merge', () => {
    const write = (name: string, shard: object) => {
      mkdirSync(join(work, name), { recursive: true });
      writeFileSync(join(work, name, SHARD_FILE), JSON.stringify({ format: 'flatcheck.shard/v1', seed: 1, scale: 1, count: 2, vitest: { numPassedTests: 0, numFailedTests: 0, testResults: [] }, ...shard }));
      return join(work, name);
    };
    const one = write('one', { index: 1 });
    const two = write('two', { index: 2 });
    expect(readShards([two, one]).map((s) => s.index)).toEqual([1, 2]);
    expect(() => readShards([one])).toThrow('--merge: expected each of the shards 1…2 exactly once (got 1)');
    expect(() => readShards([one, one])).toThrow('(got 1, 1)');
    expect(() => readShards([one, write('other-seed', { index: 2, seed: 2 })])).toThrow('the same seed: 1 and 2');
    expect(() => readShards([one, write('other-scale', { index: 2, scale: 4 })])).toThrow('the same scale: 1 and 4');
    expect(() => readShards([join(work, 'nowhere')])).toThrow(`--merge: expected a directory written by \`flatcheck prove --shard i/n --out DIR\``);
    expect(() => readShards([write('not-a-shard', { format: 'something else', index: 1 })])).toThrow('a flatcheck.shard/v1 file');
    expect(() => readShards([])).toThrow('one or more shard directories');
  });

  it('--shard takes i/n with 1 ≤ i ≤ n', () => {
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    for (const bad of ['0/2', '3/2', '1/0', '1', 'a/b', '1/2/3', '-1/2']) expect(() => parseShard(bad)).toThrow(`--shard: expected i/n with 1 ≤ i ≤ n (e.g. 2/4), got "${bad}"`);
  });
});
