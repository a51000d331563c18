/**
 * SIGINT and SIGTERM to the long verbs, on the built bin (npm run build first): every child process is
 * stopped, temporary files are removed, and the exit code is 130 or 143.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'bin/flatcheck.mjs');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flatcheck-signals-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await sleep(50)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** The processes whose parent is `pid` (from /proc). */
const childrenOf = (pid: number) =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid ? [Number(p)] : [];
      } catch {
        return [];
      }
    });
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};

function flatcheck(args: string[]): { child: ChildProcess; exit: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return { child, exit: new Promise((done) => child.once('exit', (code) => done(code))), stderr: () => stderr };
}

describe('a signal stops a long verb cleanly', () => {
  it('SIGINT to check --exec stops the metric process and exits 130', async () => {
    const pidFile = join(dir, 'exec.pid');
    writeFileSync(join(dir, 'hang.mjs'), `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`);
    const run = flatcheck(['check', '--exec', `node ${join(dir, 'hang.mjs')}`, '--time-limit', '600000', '--runs', '2']);
    await until('the metric process', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    await until('the metric process to end', () => !alive(pid), 5000);
    expect(run.stderr()).toContain('stopped by SIGINT');
  }, 120_000);

  it('SIGTERM to check MODULE (a worker thread) exits 143', async () => {
    const run = flatcheck(['check', join(root, 'fixtures/metrics/import-hangs.mjs'), '--time-limit', '600000']);
    await sleep(1500); // the worker is started and importing the module that never finishes
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(143);
  }, 120_000);

  it('SIGINT to prove stops vitest and its workers, removes /tmp/flatcheck-prove-PID, and exits 130', async () => {
    const run = flatcheck(['prove', '--scale', '1', '--out', join(dir, 'report')]);
    const pid = run.child.pid!;
    const work = join(tmpdir(), `flatcheck-prove-${pid}`);
    let vitest = 0;
    await until('the vitest child', () => (vitest = childrenOf(pid).find((c) => cmdline(c).includes('vitest')) ?? 0) > 0);
    await until('vitest\'s own workers', () => childrenOf(vitest).length > 0);
    const workers = childrenOf(vitest);
    expect(existsSync(work)).toBe(true);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    await until('vitest and its workers to end', () => !alive(vitest) && workers.every((w) => !alive(w)), 5000);
    expect(existsSync(work)).toBe(false);
    expect(existsSync(join(dir, 'report'))).toBe(false);
  }, 180_000);

  it('SIGTERM to experiment exits 143 and writes nothing', async () => {
    const run = flatcheck(['experiment', 'keskar', '--short', '--out', join(dir, 'keskar')]);
    await sleep(2000); // loading TensorFlow.js and the data, or training the first pair
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(143);
    // Whole or not at all: no staging or set-aside directory is left, whenever the signal came.
    expect(readdirSync(dir).filter((f) => f.startsWith('keskar') && f !== 'keskar')).toEqual([]);
    if (!run.stderr().includes('sharpened')) expect(existsSync(join(dir, 'keskar'))).toBe(false);
  }, 120_000);
});
