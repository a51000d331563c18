import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLACED_GRACE_MS, writeDirectoryAtomic } from './atomic.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flatcheck-atomic-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Polls DIR/index.md in another process until `stop` appears: how many reads, how many found it missing, which contents. */
const READER = `
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const [index, stop, out, ready] = process.argv.slice(1);
let reads = 0, missing = 0; const seen = new Set();
writeFileSync(ready, '');
while (!existsSync(stop)) {
  try { seen.add(readFileSync(index, 'utf8')); reads++; } catch (e) { if (e.code === 'ENOENT') missing++; else throw e; }
}
writeFileSync(out, JSON.stringify({ reads, missing, seen: [...seen] }));
`;

describe('a directory output is replaced with DIR existing throughout', () => {
  it('a concurrent reader polling DIR/index.md during 300 replacements never finds it missing, and sees only whole versions', async () => {
    const out = join(dir, 'report');
    writeDirectoryAtomic(out, { 'index.md': 'v0', 'figures/a.svg': '<svg/>' }, '--out');
    const stop = join(dir, 'stop');
    const result = join(dir, 'result.json');
    const ready = join(dir, 'ready');
    const reader = spawn(process.execPath, ['-e', READER, join(out, 'index.md'), stop, result, ready], { stdio: 'inherit' });
    const exited = new Promise((done) => reader.once('exit', done));
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 10));
    for (let i = 1; i <= 300; i++) {
      writeDirectoryAtomic(out, { 'index.md': `v${i}`, 'figures/a.svg': '<svg/>' }, '--out');
      if (i % 30 === 0) await new Promise((r) => setTimeout(r, 5)); // let the reader run between bursts
    }
    writeFileSync(stop, '');
    await exited;
    const { reads, missing, seen } = JSON.parse(readFileSync(result, 'utf8')) as { reads: number; missing: number; seen: string[] };
    expect(missing).toBe(0);
    expect(reads).toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThan(1); // the reads overlapped the replacements
    expect(seen.every((s) => /^v\d+$/.test(s))).toBe(true);
    expect(readFileSync(join(out, 'index.md'), 'utf8')).toBe('v300');
    // DIR and versions (replaced ones wait out REPLACED_GRACE_MS): no staging, link or set-aside directory.
    expect(readdirSync(dir).filter((f) => f.includes('report') && f !== 'report' && !/^\.report\.\d+\.\d+\.version$/.test(f))).toEqual([]);
  }, 60_000);

  it('a real directory from before is replaced (once moved aside) and becomes a link; a version a killed run left is cleared', () => {
    const out = join(dir, 'legacy');
    mkdirSync(out);
    writeFileSync(join(out, 'index.md'), 'old');
    writeFileSync(join(out, 'stray.txt'), 'old');
    const dead = 0x7fffffff; // no such process
    const killed = join(dir, `.legacy.${dead}.1.version`);
    mkdirSync(killed);
    const long = new Date(Date.now() - 2 * REPLACED_GRACE_MS);
    utimesSync(killed, long, long);
    writeDirectoryAtomic(out, { 'index.md': 'new' }, '--out');
    expect(lstatSync(out).isSymbolicLink()).toBe(true);
    expect(readdirSync(out)).toEqual(['index.md']);
    expect(readFileSync(join(out, 'index.md'), 'utf8')).toBe('new');
    expect(readdirSync(dir).filter((f) => f.includes('legacy')).length).toBe(2); // legacy and its version
    // A second write: the first version, just replaced, waits out the grace; once it is long replaced, the next write removes it.
    const first = readlinkSync(out);
    writeDirectoryAtomic(out, { 'index.md': 'newer' }, '--out');
    expect(existsSync(join(dir, first))).toBe(true);
    utimesSync(join(dir, first), long, long);
    writeDirectoryAtomic(out, { 'index.md': 'newest' }, '--out');
    expect(existsSync(join(dir, first))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('legacy')).length).toBe(3); // legacy, its version and the one just replaced
  });
});
