// The product documents itself: no code comment, message, metric `reference`,
// report text or README line may cite a document outside the repository (the
// steering notes beside it) or an issue number. Every text file of the
// checkout is scanned; a hit fails naming file:line.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** Each pattern with what it catches; written so that this file's own source matches none of them (it is scanned too). */
const OUTSIDE_CITATIONS: { pattern: RegExp; what: string }[] = [
  { pattern: /\.\.\/shared\b|\bshared\/[A-Z]/, what: 'a path into the steering folder beside the checkout' },
  { pattern: /\bARCHITECTURE\.md\b/, what: 'the architecture notes' },
  { pattern: /\bTHEORY\.md\b/, what: 'the theory notes (the repository has docs/theory.md)' },
  { pattern: /\b(?:issue|pull request|PR)s?\s*[#:]?\s*\d+/i, what: 'an issue number' },
  { pattern: /(^|[\s(])#\d+\b/, what: 'an issue number' },
  { pattern: /\((?:issues?)\b/i, what: 'a citation of an issue' },
];

/** Every outside citation in a text, as "file:line: what — the line". */
function outsideCitations(file: string, text: string): string[] {
  const hits: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { pattern, what } of OUTSIDE_CITATIONS) {
      if (pattern.test(line)) hits.push(`${file}:${i + 1}: ${what} — ${line.trim()}`);
    }
  });
  return hits;
}

const TEXT_FILE = /\.(ts|mjs|js|md|py|json)$|^\.ci\/run$/;

/** Tracked files and new ones not yet ignored, so a file is checked before its first commit. */
function repositoryTextFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  return listed.split('\n').filter((f) => TEXT_FILE.test(f) && f !== 'package-lock.json');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-');
}

/** Every Markdown link of a file that does not resolve inside the checkout (a missing file or heading, or a link out). */
function brokenLinks(file: string, text: string, read: (path: string) => string | undefined): string[] {
  const broken: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const [path, hash] = target!.split('#') as [string, string | undefined];
    if (/^[a-z]+:/i.test(path)) {
      broken.push(`${file}: ${target} links outside the repository`);
      continue;
    }
    const resolved = path === '' ? file : join(dirname(file), path);
    const content = path === '' ? text : read(resolved);
    if (content === undefined) broken.push(`${file}: ${target} names no file of the repository`);
    else if (hash !== undefined && ![...content.matchAll(/^#{1,6} (.*)$/gm)].some(([, h]) => anchor(h!) === hash)) broken.push(`${file}: ${target} names no heading of ${resolved}`);
  }
  return broken;
}

describe('the repository cites no document outside itself and no issue number', () => {
  it('finds a citation of each kind in a text that has one, and none in clean text', () => {
    // Each citation is spelt with a ~ that is taken out here, so that this file passes its own scan below.
    const cited = [
      'see [the formats](../sha~red/ARCHI~TECTURE.md)',
      '// Source: THE~ORY.md §5, the table of known answers',
      " * Iss~ue 6: Keskar's experiment",
      "reference: 'flatness (iss~ue 12)'",
      'fixed in #~42.',
      'as asked (iss~ue: "the maximiser tracks it")',
    ].join('\n').replaceAll('~', '');
    const hits = outsideCitations('example.ts', cited);
    expect(hits.map((h) => h.split(':').slice(0, 2).join(':'))).toEqual(expect.arrayContaining(['example.ts:1', 'example.ts:2', 'example.ts:3', 'example.ts:4', 'example.ts:5', 'example.ts:6']));
    expect(hits[0]).toMatch(/^example\.ts:1: .*\.\.\/shared\/ARCHITECTURE\.md\)$/);
    const clean = ['// Source: docs/theory.md §5 and Dinh et al. (ICML 2017), §4.3', "colour: '#4c9f70', grey: '#888888'", 'see [the formats](docs/formats.md)'].join('\n');
    expect(outsideCitations('clean.ts', clean)).toEqual([]);
  });

  it('every text file of the checkout: source, tests, properties, README and docs', () => {
    const files = repositoryTextFiles();
    expect(files).toEqual(expect.arrayContaining(['README.md', 'src/index.ts', 'docs/theory.md', 'docs/formats.md', 'docs/metrics.md']));
    const hits = files.flatMap((f) => outsideCitations(f, readFileSync(join(ROOT, f), 'utf8')));
    expect(hits, hits.join('\n')).toEqual([]);
  });

  it('the README and docs/ link only to files and headings inside the repository', () => {
    const read = (path: string) => (existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), 'utf8') : undefined);
    const pages = ['README.md', ...repositoryTextFiles().filter((f) => f.startsWith('docs/') && f.endsWith('.md'))];
    const broken = pages.flatMap((f) => brokenLinks(f, read(f)!, read));
    expect(broken, broken.join('\n')).toEqual([]);
    // The check can fail: a link out, a missing file, a missing heading.
    const page = '# Top\n\n## Symmetries of networks\n[a](https://example.org/x) [b](docs/none.md) [c](#no-such-heading) [d](#symmetries-of-networks) [e](docs/formats.md#numbers)';
    expect(brokenLinks('README.md', page, read)).toEqual([
      'README.md: https://example.org/x links outside the repository',
      'README.md: docs/none.md names no file of the repository',
      'README.md: #no-such-heading names no heading of README.md',
    ]);
  });
});
