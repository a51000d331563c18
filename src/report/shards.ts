/**
 * Sharded deep runs: `flatcheck prove --shard i/n --out DIR` runs one shard of
 * the theorem suite (vitest's own --shard) and writes its results, DIR/shard.json;
 * `flatcheck prove --merge DIR… --out REPORT` checks that the shards are one
 * whole run (the same seed, scale and n; each of 1…n once) and builds the one
 * report from their joined results. Each shard's seed and scale is recorded in it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { InputError } from '../field/errors.js';
import { writeDirectoryAtomic } from '../output/atomic.js';
import type { ShardInfo } from './summary.js';
import type { VitestJson } from './summary.js';

export const SHARD_FILE = 'shard.json';

/** One shard's results, as written to DIR/shard.json: vitest's JSON report with file names relative to the checkout. */
export interface ShardResult extends ShardInfo {
  format: 'flatcheck.shard/v1';
  vitest: VitestJson;
}

/** `i/n` with 1 ≤ i ≤ n. */
export function parseShard(text: string, flag = '--shard'): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const [index, count] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!m || index < 1 || count < 1 || index > count) throw new InputError(flag, text, 'i/n with 1 ≤ i ≤ n (e.g. 2/4)');
  return { index, count };
}

/** A shard's results with its files named relative to `root` (shards may run in different checkouts). */
export function shardResult(info: ShardInfo, json: VitestJson, root: string): ShardResult {
  return { format: 'flatcheck.shard/v1', ...info, vitest: { ...json, testResults: json.testResults.map((f) => ({ ...f, name: isAbsolute(f.name) ? relative(root, f.name) : f.name })) } };
}

export function writeShard(outDir: string, shard: ShardResult, flag: string): void {
  writeDirectoryAtomic(outDir, { [SHARD_FILE]: `${JSON.stringify(shard, null, 2)}\n` }, flag);
}

/** Reads DIR/shard.json from every directory and checks they are one whole run; a bad set is an error naming `flag`. */
export function readShards(dirs: readonly string[], flag = '--merge'): ShardResult[] {
  if (dirs.length === 0) throw new InputError(flag, '', 'one or more shard directories');
  const shards = dirs.map((dir) => {
    const path = join(dir, SHARD_FILE);
    if (!existsSync(path)) throw new InputError(flag, dir, `a directory written by \`flatcheck prove --shard i/n --out DIR\` (no ${path})`);
    let shard: ShardResult;
    try {
      shard = JSON.parse(readFileSync(path, 'utf8')) as ShardResult;
    } catch (e) {
      throw new InputError(flag, path, `a shard file in JSON (${(e as Error).message})`);
    }
    if (shard?.format !== 'flatcheck.shard/v1' || !Array.isArray(shard.vitest?.testResults)) throw new InputError(flag, path, 'a flatcheck.shard/v1 file');
    return shard;
  });
  const [first] = shards;
  for (const s of shards) {
    for (const key of ['seed', 'scale', 'count'] as const) {
      if (s[key] !== first![key]) throw new InputError(flag, dirs.join(' '), `shards of one run (the same ${key === 'count' ? 'n' : key}: ${first![key]} and ${s[key]})`);
    }
  }
  const indices = shards.map((s) => s.index).sort((a, b) => a - b);
  const expected = Array.from({ length: first!.count }, (_, i) => i + 1);
  if (indices.join() !== expected.join()) throw new InputError(flag, dirs.join(' '), `each of the shards 1…${first!.count} exactly once (got ${indices.join(', ')})`);
  return [...shards].sort((a, b) => a.index - b.index);
}

/** The shards' results joined into one vitest JSON report, file names resolved against `root`. */
export function mergeShards(shards: readonly ShardResult[], root: string): VitestJson {
  return {
    numPassedTests: shards.reduce((n, s) => n + s.vitest.numPassedTests, 0),
    numFailedTests: shards.reduce((n, s) => n + s.vitest.numFailedTests, 0),
    testResults: shards.flatMap((s) => s.vitest.testResults.map((f) => ({ ...f, name: resolve(root, f.name) }))),
  };
}
