/**
 * Output files and directories written whole or not at all. A file is
 * staged beside its target (`NAME.PID.tmp`) and renamed into place. A
 * directory DIR is a symbolic link to its current version, a hidden sibling
 * `.NAME.PID.N.version`: a new version is written beside it (staged as
 * `NAME.PID.staging`), and a new link (`NAME.PID.link`) is renamed over DIR
 * — one atomic rename, so DIR and every file in it always exist, old or new.
 * A replaced version is removed by a later write once it has been replaced
 * for REPLACED_GRACE_MS (a reader that resolved DIR just before the rename
 * still finds its files).
 * (A DIR that is still a real directory, from before, is moved aside once:
 * `NAME.PID.previous`.) A run killed mid-write (SIGKILL runs no clean-up)
 * leaves its staging siblings behind; the next write to the same target
 * clears them, removes versions DIR no longer points to, and puts back a
 * directory it had moved aside. A target that cannot be written — a
 * directory where a file goes, a path under a file, an empty path — is bad
 * input naming the option.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../field/errors.js';

type Kind = 'file' | 'directory';

/** Throws a named InputError unless `path` can become a file (or a directory) of that name: check it before a long computation. */
export function assertWritable(path: string, flag: string, kind: Kind): void {
  if (path === '') throw new InputError(flag, path, `a ${kind} path`);
  const target = resolve(path);
  const existing = statOrUndefined(target);
  if (existing && existing.isDirectory() !== (kind === 'directory')) throw new InputError(flag, path, `a ${kind} path (it is ${existing.isDirectory() ? 'a directory' : 'a file'})`);
  // The nearest existing ancestor must be a directory: mkdir -p cannot go through a file.
  for (let dir = dirname(target); ; dir = dirname(dir)) {
    const s = statOrUndefined(dir);
    if (s) {
      if (!s.isDirectory()) throw new InputError(flag, path, `a ${kind} path in a directory (${dir} is a file)`);
      return;
    }
    if (dirname(dir) === dir) return;
  }
}

/** Writes `text` to `path` whole or not at all; `flag` names the option the path came from in errors. */
export function writeFileAtomic(path: string, text: string, flag: string): void {
  assertWritable(path, flag, 'file');
  const target = resolve(path);
  named(flag, path, () => mkdirSync(dirname(target), { recursive: true }));
  clearStale(target);
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    named(flag, path, () => {
      writeFileSync(temporary, text);
      renameSync(temporary, target);
    });
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Replaces the directory `dir` with the files given, whole or not at all, DIR existing throughout. */
export function writeDirectoryAtomic(dir: string, files: Record<string, string>, flag: string): void {
  assertWritable(dir, flag, 'directory');
  const target = resolve(dir);
  named(flag, dir, () => mkdirSync(dirname(target), { recursive: true }));
  clearStale(target);
  const staging = `${target}.${process.pid}.staging`;
  const version = join(dirname(target), `.${basename(target)}.${process.pid}.${process.hrtime.bigint()}.version`);
  const link = `${target}.${process.pid}.link`;
  const previous = `${target}.${process.pid}.previous`;
  const old = currentVersion(target);
  try {
    named(flag, dir, () => {
      mkdirSync(staging);
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(staging, name)), { recursive: true });
        writeFileSync(join(staging, name), text);
      }
      renameSync(staging, version);
      symlinkSync(basename(version), link, 'dir'); // relative: DIR's parent can move
      if (lstatOrUndefined(target)?.isDirectory()) renameSync(target, previous); // a real directory cannot be renamed over
      renameSync(link, target);
    });
  } catch (e) {
    for (const path of [staging, link]) rmSync(path, { recursive: true, force: true });
    if (currentVersion(target) !== basename(version)) rmSync(version, { recursive: true, force: true });
    if (existsSync(previous) && !existsSync(target)) renameSync(previous, target);
    throw e;
  }
  rmSync(previous, { recursive: true, force: true });
  // The replaced version's mtime says when it was replaced: clearStale removes it REPLACED_GRACE_MS after.
  if (old !== undefined) {
    const now = new Date();
    utimesSync(join(dirname(target), old), now, now);
  }
}

/** How long a replaced version outlives its replacement: a reader that resolved DIR to it just before still finds its files. */
export const REPLACED_GRACE_MS = 10_000;

const VERSION = /^\.(.*)\.(\d+)\.\d+\.version$/;

/** The version directory (a sibling's name) the link `target` points to, if it is one of ours. */
function currentVersion(target: string): string | undefined {
  try {
    const to = readlinkSync(target);
    const m = VERSION.exec(to);
    return m && m[1] === basename(target) ? to : undefined;
  } catch {
    return undefined;
  }
}

const STALE = /^(.*)\.(\d+)\.(tmp|staging|previous|link)$/;

/** Removes the staging siblings of `target` left by runs that are no longer alive, and versions it no longer points to; restores a `.previous` whose run died before its replacement landed. */
export function clearStale(target: string): void {
  const dir = dirname(target);
  const name = basename(target);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  const current = currentVersion(target);
  for (const entry of entries) {
    const m = STALE.exec(entry) ?? VERSION.exec(entry);
    if (!m || m[1] !== name || entry === current || isAlive(Number(m[2]))) continue;
    const path = join(dir, entry);
    if (m[3] === undefined && Date.now() - (lstatOrUndefined(path)?.mtimeMs ?? 0) < REPLACED_GRACE_MS) continue; // a version replaced moments ago
    if (m[3] === 'previous' && !existsSync(target)) renameSync(path, target);
    else rmSync(path, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return false; // ours from an earlier run with this pid: no write of ours is in flight here
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** A file-system failure on a user's path (EACCES, ENOSPC, …) is reported against the option, not as a crash. */
function named(flag: string, path: string, f: () => void): void {
  try {
    f();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    throw new InputError(flag, path, `a writable path (${code}: ${(e as Error).message})`);
  }
}
