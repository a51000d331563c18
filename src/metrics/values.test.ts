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
