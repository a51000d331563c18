/** The property suite's results (vitest's JSON report) as the proof report's summary: files, statements, checks and case counts. */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { CaseCount } from './case-counts.js';
import type { TheoremId } from './covers.js';
import type { LayeredResult } from './layered.js';

interface VitestAssertion {
  ancestorTitles: string[];
  title: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
  duration: number | null;
  failureMessages: string[];
  meta?: { fastCheck?: CaseCount; covers?: TheoremId[]; layered?: LayeredResult };
}
export interface VitestJson {
  /** false when any test, file or the run itself failed. */
  success?: boolean;
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; status?: string; assertionResults: VitestAssertion[] }[];
}

/** One shard of a sharded run (`flatcheck prove --shard i/n`): which, and at what seed and scale it ran. */
export interface ShardInfo {
  index: number;
  count: number;
  seed: number;
  scale: number;
}

export interface ProofSummary {
  format: 'flatcheck.report/v1';
  seed: number;
  runScale: number;
  /** Present when the suite's results were merged from shards (`flatcheck prove --merge`). */
  shards?: ShardInfo[];
  passed: number;
  failed: number;
  files: {
    file: string;
    source: string;
    claims: { statement: string; checks: { title: string; status: string; durationMs: number; cases?: CaseCount; covers?: TheoremId[]; failure?: string }[] }[];
  }[];
}

/** The opening comment of a property file: its source (paper, section, theorem). */
function sourceComment(path: string): string {
  const lines = readFileSync(path, 'utf8').split('\n');
  const comment: string[] = [];
  for (const line of lines) {
    if (!line.startsWith('//')) break;
    comment.push(line.replace(/^\/\/ ?/, ''));
  }
  return comment.join(' ').replace(/^Source: /, '');
}

export function summarise(json: VitestJson, opts: { scale: number; seed: number; root: string; shards?: ShardInfo[] }): ProofSummary {
  const files = json.testResults
    .map((file) => {
      const claims = new Map<string, ProofSummary['files'][number]['claims'][number]>();
      for (const a of file.assertionResults) {
        const statement = a.ancestorTitles.join(' › ') || '(top level)';
        if (!claims.has(statement)) claims.set(statement, { statement, checks: [] });
        claims.get(statement)!.checks.push({
          title: a.title,
          status: a.status,
          durationMs: Math.round(a.duration ?? 0),
          ...(a.meta?.fastCheck ? { cases: a.meta.fastCheck } : {}),
          ...(a.meta?.covers ? { covers: a.meta.covers } : {}),
          ...(a.failureMessages.length ? { failure: a.failureMessages.join('\n').split('\n').slice(0, 12).join('\n') } : {}),
        });
      }
      return { file: relative(opts.root, file.name), source: sourceComment(file.name), claims: [...claims.values()] };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
  // A property file that fails to load has no assertions to fail: count it as a failure (as .ci/summary.mjs does).
  const unloaded = json.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  return { format: 'flatcheck.report/v1', seed: opts.seed, runScale: opts.scale, ...(opts.shards ? { shards: opts.shards } : {}), passed: json.numPassedTests, failed: json.numFailedTests + unloaded, files };
}
