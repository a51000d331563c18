/**
 * .github/workflows/deep-proof.yml: its steps call only the project's own commands
 * (npm ci, npx flatcheck prove …) and the standard checkout/node/artifact actions,
 * the shards cover 1…n of one run at one scale and seed, and the merge reads them all.
 * Parsed with a small YAML reader for the subset the workflow uses (block mappings
 * and sequences, flow sequences of scalars, quoted and plain scalars, comments).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../cli/args.js';
import { parseShard } from './shards.js';

type Yaml = string | Yaml[] | { [key: string]: Yaml };

function scalar(text: string): Yaml {
  const t = text.trim();
  if (/^'.*'$/.test(t)) return t.slice(1, -1).replace(/''/g, "'");
  if (/^".*"$/.test(t)) return JSON.parse(t) as string;
  if (t.startsWith('[') && t.endsWith(']')) return t.slice(1, -1).split(',').map((s) => scalar(s) as string).filter((s) => s !== '');
  return t;
}

/** The subset of YAML block syntax the workflow is written in; anything else throws, so the test cannot pass on a misread. */
export function parseYamlSubset(source: string): Yaml {
  const lines = source.split('\n').map((raw, i) => ({ n: i + 1, raw: raw.replace(/(^|\s)#.*$/, '') })).filter((l) => l.raw.trim() !== '');
  let at = 0;
  const indent = (l: { raw: string }) => l.raw.length - l.raw.trimStart().length;
  function block(level: number): Yaml {
    const first = lines[at]!;
    if (first.raw.trimStart().startsWith('- ')) {
      const items: Yaml[] = [];
      while (at < lines.length && indent(lines[at]!) === level && lines[at]!.raw.trimStart().startsWith('- ')) {
        // "- key: value" opens a mapping whose further keys sit two columns in.
        const line = lines[at]!;
        lines[at] = { n: line.n, raw: `${' '.repeat(level + 2)}${line.raw.trimStart().slice(2)}` };
        items.push(/^[\w.-]+:(\s|$)/.test(lines[at]!.raw.trim()) ? block(level + 2) : scalar(lines[at++]!.raw));
      }
      return items;
    }
    const map: { [key: string]: Yaml } = {};
    while (at < lines.length && indent(lines[at]!) === level) {
      const line = lines[at]!;
      const m = /^([\w.-]+):(?:\s+(.*))?$/.exec(line.raw.trim());
      if (!m) throw new Error(`line ${line.n}: not in the YAML subset: ${line.raw}`);
      at++;
      if (m[2] !== undefined && m[2] !== '') map[m[1]!] = scalar(m[2]);
      else if (at < lines.length && indent(lines[at]!) > level) map[m[1]!] = block(indent(lines[at]!));
      else if (at < lines.length && indent(lines[at]!) === level && lines[at]!.raw.trimStart().startsWith('- ')) map[m[1]!] = block(level);
      else map[m[1]!] = '';
    }
    if (at < lines.length && indent(lines[at]!) > level) throw new Error(`line ${lines[at]!.n}: unexpected indentation`);
    return map;
  }
  const doc = block(0);
  if (at !== lines.length) throw new Error(`line ${lines[at]!.n}: not parsed`);
  return doc;
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const workflow = parseYamlSubset(readFileSync(`${root}.github/workflows/deep-proof.yml`, 'utf8')) as { [k: string]: Yaml };
type Step = { uses?: string; run?: string; with?: { [k: string]: string } };
type Job = { steps: Step[]; needs?: string; strategy?: { matrix: { shard: string[] } } };
const jobs = workflow.jobs as unknown as { [name: string]: Job };

const ACTIONS = ['actions/checkout@v4', 'actions/setup-node@v4', 'actions/upload-artifact@v4', 'actions/download-artifact@v4'];

describe('the deep-proof workflow', () => {
  it('parses with the subset reader (which rejects what it does not know)', () => {
    expect(Object.keys(jobs)).toEqual(['shard', 'merge']);
    expect(() => parseYamlSubset('a:\n  - b\n  c: d\n')).toThrow();
    expect(parseYamlSubset('a:\n  - x: 1\n    y: [2, 3]\n  - "z"\n')).toEqual({ a: [{ x: '1', y: ['2', '3'] }, 'z'] });
  });

  it('every step calls only the project\'s own commands or a standard action', () => {
    const steps = Object.values(jobs).flatMap((j) => j.steps);
    expect(steps.length).toBeGreaterThan(6);
    for (const step of steps) {
      if (step.uses !== undefined) expect(ACTIONS).toContain(step.uses);
      else expect(step.run).toMatch(/^(npm ci( --no-audit --no-fund)?|npx flatcheck prove( .*)?)$/);
    }
  });

  it('runs a matrix of shards 1…n at the chosen scale and seed and merges every one into one report', () => {
    const shards = jobs.shard!.strategy!.matrix.shard;
    expect(shards.length).toBeGreaterThanOrEqual(2);
    // vitest shards by file: no more shards than property files (prove --shard refuses more).
    expect(shards.length).toBeLessThanOrEqual(readdirSync(`${root}properties`).filter((f) => f.endsWith('.prop.ts')).length);
    expect(shards).toEqual(shards.map((_, i) => String(i + 1)));
    const shardRun = jobs.shard!.steps.find((s) => s.run?.startsWith('npx flatcheck prove'))!.run!;
    expect(shardRun).toContain('--shard ${{ matrix.shard }}/${{ strategy.job-total }}');
    expect(shardRun).toContain('--scale ${{ inputs.scale }}');
    expect(shardRun).toContain('--seed ${{ inputs.seed }}');
    // With the expressions filled in, the command line parses as prove's, each matrix value a valid shard of n.
    const inputs = ((workflow.on as { [k: string]: Yaml }).workflow_dispatch as { inputs: { [k: string]: { default: string } } }).inputs;
    for (const i of shards) {
      const line = shardRun.replace('${{ matrix.shard }}', i).replace('${{ strategy.job-total }}', String(shards.length)).replace('${{ inputs.scale }}', inputs.scale!.default).replace('${{ inputs.seed }}', inputs.seed!.default).replace(/\$\{\{ matrix.shard \}\}/g, i);
      const args = parseArgs(line.split(' ').slice(3), ['scale', 'seed', 'out', 'shard'], ['json', 'merge']);
      expect(parseShard(String(args.flags.get('shard')))).toEqual({ index: Number(i), count: shards.length });
      expect(args.flags.get('out')).toBe(`shard-${i}`);
    }
    expect(jobs.merge!.needs).toBe('shard');
    expect(jobs.merge!.steps.find((s) => s.run?.startsWith('npx flatcheck prove'))!.run).toBe('npx flatcheck prove --merge shards/shard-* --out report');
    expect(jobs.merge!.steps.find((s) => s.uses?.startsWith('actions/download-artifact'))!.with).toMatchObject({ pattern: 'shard-*', path: 'shards' });
    expect(((workflow.on as { [k: string]: Yaml }).workflow_dispatch as { inputs: { scale: { default: string } } }).inputs.scale.default).toBe('400');
  });
});
