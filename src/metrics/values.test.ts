// A metric's value is a finite number or the evaluation is an error, with what came back named.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMetric } from './battery.js';
import { defineMetric } from './contract.js';

const CASES: [string, unknown, RegExp][] = [
  ['Infinity', Infinity, /returned Infinity, not a finite number/],
  ['-Infinity', -Infinity, /returned -Infinity, not a finite number/],
  ['NaN', NaN, /returned NaN, not a finite number/],
  ['a numeric string', '1.5', /returned the string "1.5", not a number \(a numeric string is not accepted/],
  ['a bigint', 2n, /returned the bigint 2n, not a number/],
  ['null', null, /returned null, not a number/],
];

describe('metric values', () => {
  for (const [name, value, message] of CASES) {
    it(`${name} is an error verdict, not a value`, async () => {
      const metric = defineMetric({ id: `returns-${name}`, evaluate: () => value as number });
      const report = await checkMetric(metric, { families: ['permutation'], runs: 3 });
      expect(report.families.permutation!.verdict).toBe('error');
      expect(report.families.permutation!.error).toMatch(message);
    });
  }

  it('the same through the worker thread (a module file), where values cross by structured clone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flatcheck-values-'));
    try {
      for (const [name, source, message] of [['infinity', 'Infinity', /returned Infinity/], ['bigint', '5n', /returned the bigint 5n/]] as const) {
        const file = join(dir, `${name}.mjs`);
        writeFileSync(file, `export default { id: '${name}', evaluate: () => ${source} };\n`);
        const report = await checkMetric(file, { families: ['layer-scale'], runs: 2 });
        expect(report.families['layer-scale']!.verdict).toBe('error');
        expect(report.families['layer-scale']!.error).toMatch(message);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('flatcheck check: an error verdict is never a pass', () => {
  it('a metric without claims whose evaluations fail exits 1, and says which family was not checked', async () => {
    const { main } = await import('../cli/main.js');
    const dir = mkdtempSync(join(tmpdir(), 'flatcheck-values-cli-'));
    try {
      const file = join(dir, 'infinite.mjs');
      writeFileSync(file, "export default { id: 'infinite', evaluate: () => Infinity };\n");
      const out: string[] = [];
      const code = await main(['check', file, '--families', 'permutation', '--runs', '2'], { out: (t) => out.push(t), err: (t) => out.push(t) });
      expect(code).toBe(1);
      expect(out.join('\n')).toContain('not checked (error): permutation');
      // Metric processes can kill only themselves: a signal to flatcheck's own process is refused.
      const killer = join(dir, 'kill.mjs');
      writeFileSync(killer, "export default { id: 'kills', evaluate: () => { process.kill(process.pid); return 1; } };\n");
      const k: string[] = [];
      expect(await main(['check', killer, '--families', 'permutation', '--runs', '2'], { out: (t) => k.push(t), err: (t) => k.push(t) })).toBe(1);
      expect(k.join('\n')).toContain("a metric may not send signals to flatcheck's own process");
      // After an error verdict the metric's last printed lines are shown, even without --verbose.
      const chatty = join(dir, 'chatty-nan.mjs');
      writeFileSync(chatty, "export default { id: 'chatty-nan', evaluate: () => { console.log('about to return NaN'); return NaN; } };\n");
      const err: string[] = [];
      expect(await main(['check', chatty, '--families', 'permutation', '--runs', '2'], { out: () => {}, err: (t) => err.push(t) })).toBe(1);
      expect(err.join('\n')).toContain('[metric stdout] about to return NaN');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
