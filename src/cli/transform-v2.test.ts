import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.js';
import { parseNetworkV2 } from '../network/json-v2.js';
import { parseJsonText } from '../network/json-text.js';
import { networkV2In } from '../network/v2.js';
import { forwardV2 } from '../network/v2-forward.js';
import { rationalField as Q } from '../field/rational.js';

let dir = '';
const path = (name: string) => join(dir, name);
const fixture = (name: string) => new URL(`../../fixtures/v2/${name}`, import.meta.url).pathname;
const read = (file: string) => networkV2In(Q, parseNetworkV2(parseJsonText(readFileSync(file, 'utf8'), file)));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flatcheck-transform-v2-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flatcheck transform on v2 networks', () => {
  it('--list prints the families symmetriesOf finds, with their sites; --json gives them as data', async () => {
    const r = await run('transform', '--net', fixture('conv-bn.json'), '--list', '--loss', 'cross-entropy', '--json');
    expect(r.code).toBe(0);
    const sites = JSON.parse(r.out) as { kind: string; at?: string }[];
    expect(sites.map((s) => `${s.kind} ${s.at ?? ''}`.trim())).toEqual(['batchnorm-scale layers[1]', 'permutation layers[0]', 'neuron-scale layers[1]', 'logit-shift']);
    expect((await run('transform', '--net', fixture('conv-bn.json'), '--list')).out).not.toMatch(/logit-shift/); // no loss: no shift
  });

  it('writes the transformed network exactly: same outputs in rationals, the batch norm\'s statistics moved', async () => {
    const r = await run('transform', '--net', fixture('conv-bn.json'), '--symmetry', 'batchnorm-scale', '--at', 'layers[1]', '--scales', '2,1/3', '--out', path('bn.json'));
    expect(r.code, r.err).toBe(0);
    const before = read(fixture('conv-bn.json'));
    const after = read(path('bn.json'));
    const inputs = [Array.from({ length: 16 }, (_, i) => Q.fromScalar((i % 5) - 2)), Array.from({ length: 16 }, (_, i) => Q.fromScalar(((i * 7) % 9) / 4 - 1))];
    expect(forwardV2(Q, after, inputs).map((row) => row.map((v) => v.toFraction()))).toEqual(forwardV2(Q, before, inputs).map((row) => row.map((v) => v.toFraction())));
    const bn = (n: typeof before) => n.layers[1] as { runningMean: { toFraction(): string }[]; epsilon: { toFraction(): string }[] };
    expect(bn(after).runningMean.map((m) => m.toFraction())).not.toEqual(bn(before).runningMean.map((m) => m.toFraction()));
    expect(bn(after).epsilon.map((e) => e.toFraction())).not.toEqual(bn(before).epsilon.map((e) => e.toFraction()));
  });

  it('refuses what is not a symmetry of this network, naming why, and writes nothing (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['--symmetry', 'neuron-scale', '--at', 'layers[0]', '--scales', '2,3'], /batchnorm|does not commute|absorbed/],
      [['--symmetry', 'sign-flip', '--at', 'layers[0]', '--signs', '-1,1'], /does not commute/],
      [['--symmetry', 'layer-scale', '--alphas', '2,1/2'], /without batch norm/],
      [['--symmetry', 'logit-shift', '--bias', '3', '--loss', 'mse'], /cross-entropy/],
      [['--symmetry', 'permutation', '--at', 'layers[9]', '--perm', '1,0'], /layers\[9\]/],
      [['--symmetry', 'residual-scale', '--at', 'layers[0]', '--scale', '2'], /first residual block of a stream/],
    ];
    for (const [argv, message] of cases) {
      const r = await run('transform', '--net', fixture('conv-bn.json'), ...argv, '--out', path('refused.json'));
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
      expect(existsSync(path('refused.json'))).toBe(false);
    }
    const v1Flag = await run('transform', '--net', fixture('conv-bn.json'), '--symmetry', 'neuron-scale', '--layer', '1', '--scales', '2,2', '--out', path('refused.json'));
    expect(v1Flag.code).toBe(2);
    expect(v1Flag.err).toMatch(/--at/);
  });

  it('a residual stream scaled as one, and a logit shift under cross-entropy', async () => {
    const r = await run('transform', '--net', fixture('residual-bn.json'), '--list', '--json');
    const sites = JSON.parse(r.out) as { kind: string; at?: string }[];
    expect(sites.length).toBeGreaterThan(0);
    const shift = await run('transform', '--net', fixture('conv-bn.json'), '--symmetry', 'logit-shift', '--bias', '5/2', '--loss', 'cross-entropy', '--out', path('shift.json'), '--json');
    expect(shift.code, shift.err).toBe(0);
    const before = read(fixture('conv-bn.json'));
    const after = read(path('shift.json'));
    const x = [Array.from({ length: 16 }, (_, i) => Q.fromScalar(i / 8 - 1))];
    const [b, a] = [forwardV2(Q, before, x)[0]!, forwardV2(Q, after, x)[0]!];
    expect(a.map((v, o) => v.sub(b[o]!).toFraction())).toEqual(a.map(() => '5/2'));
  });
});
