import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'fraction.js';
import { InputError } from '../field/errors.js';
import { exactFraction, fractionToNumber, parseDecimal, rationalField as Q } from '../field/index.js';
import { runs } from '../arbitraries/runs.js';
import { isJsonNumber, JsonNumber, MAX_DEPTH, parseJsonText } from './json-text.js';
import { forward, networkIn, parseNetwork } from './index.js';

/** JsonNumbers replaced by their doubles: what JSON.parse would have given. */
const doubles = (x: unknown): unknown =>
  isJsonNumber(x) ? x.value : Array.isArray(x) ? x.map(doubles) : x !== null && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, doubles(v)])) : x;

/** JSON.parse keeps the last of repeated keys; parseJsonText refuses them (tested below). */
const hasRepeatedKey = (text: string): boolean => {
  try {
    parseJsonText(text, 'text');
    return false;
  } catch (e) {
    return /is repeated/.test((e as Error).message);
  }
};

describe('JSON text: the same values as JSON.parse, numbers as written', () => {
  it('agrees with JSON.parse on any JSON text (numbers compared as doubles)', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (text) => {
        fc.pre(!hasRepeatedKey(text));
        expect(doubles(parseJsonText(text, 'text'))).toEqual(JSON.parse(text));
      }),
      runs(300),
    );
  });

  it('rejects, as a named InputError, any text JSON.parse rejects', () => {
    const mutated = fc.tuple(fc.json({ maxDepth: 3 }), fc.nat(), fc.constantFrom('', ',', ']', '}', '{', '[', ':', '"', '-', '.', 'e', '01', 'NaN', '\u0001'))
      .map(([text, at, insert]) => text.slice(0, at % (text.length + 1)) + insert + text.slice((at % (text.length + 1)) + 1));
    let rejected = 0;
    fc.assert(
      fc.property(mutated, (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        if (valid) return;
        rejected++;
        expect(() => parseJsonText(text, '--net', 'net.json')).toThrow(InputError);
        expect(() => parseJsonText(text, '--net', 'net.json')).toThrow(/^--net: expected valid JSON \(.* at line \d+ column \d+, found .*\), got "net\.json"$/);
      }),
      runs(300),
    );
    expect(rejected).toBeGreaterThan(50); // the mutations reach invalid text
  });

  it('keeps each number as written', () => {
    const v = parseJsonText('{"a": [0.1, -1.5e-3, 12, 1E2]}', 'text') as { a: JsonNumber[] };
    expect(v.a.map((n) => n.sourceText)).toEqual(['0.1', '-1.5e-3', '12', '1E2']);
  });

  it('deep nesting is a named error, not a stack overflow', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(() => parseJsonText(deep, '--data', 'deep.json')).toThrow(`--data: expected valid JSON (nesting at most ${MAX_DEPTH} deep at line 1 column ${MAX_DEPTH + 1}, found "[[[[[[[[[[[["), got "deep.json"`);
    expect(() => parseJsonText('['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH), 'text')).not.toThrow();
  });

  it('a repeated key is an error (JSON.parse would silently keep the last)', () => {
    expect(() => parseJsonText('{"inputSize": 1, "inputSize": 2}', 'network')).toThrow(/each key once \("inputSize" is repeated\)/);
  });

  it('"__proto__" is an own key, as JSON.parse makes it', () => {
    const v = parseJsonText('{"__proto__": 1}', 'text') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
  });
});

describe('decimals: the rational a number spells', () => {
  it.each([
    ['0.1', new Fraction(1n, 10n)],
    ['-1.5e-3', new Fraction(-3n, 2000n)],
    ['12', new Fraction(12n)],
    ['1E2', new Fraction(100n)],
    ['-0', new Fraction(0n)],
    ['2.50e+1', new Fraction(25n)],
  ])('%s', (text, expected) => {
    expect(parseDecimal(text)!.equals(expected)).toBe(true);
  });

  it('is not a decimal: hex, binary, Infinity, blanks, a huge exponent', () => {
    for (const text of ['0x10', '0b10', 'Infinity', '', ' 1', '1.', '.5', '1e', '1e100001']) expect(parseDecimal(text)).toBeUndefined();
  });

  it('rounds to the double its text parses to (the float engines read the same number)', () => {
    const decimal = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.nat({ max: 20 }), fc.integer({ min: -340, max: 300 }))
      .map(([neg, digits, point, exp]) => {
        const d = digits.toString().padStart(point + 1, '0');
        return `${neg ? '-' : ''}${d.slice(0, d.length - point)}${point ? `.${d.slice(d.length - point)}` : ''}e${exp}`;
      });
    fc.assert(
      fc.property(decimal, (text) => {
        const n = Number(text);
        fc.pre(Number.isFinite(n));
        expect(fractionToNumber(parseDecimal(text)!) === n).toBe(true); // === : -0 and 0 are the same number here
      }),
      runs(500),
    );
  });
});

describe('network files: a number means the decimal it spells', () => {
  const text = '{"format": "flatcheck.network/v1", "inputSize": 1, "layers": [{"weights": [[1]], "activation": "leaky-relu", "slope": 0.1}]}';

  it('"slope": 0.1 is exactly 1/10 in the rational field', () => {
    const net = networkIn(Q, parseNetwork(text));
    expect(net.layers[0]!.slope!.equals(new Fraction(1n, 10n))).toBe(true);
    expect(forward(Q, net, [[new Fraction(-1n)]])[0]![0]!.toFraction()).toBe('-1/10');
  });

  it('a JS number in an object still means its double, exactly', () => {
    const net = networkIn(Q, parseNetwork(JSON.parse(text)));
    expect(net.layers[0]!.slope!.equals(exactFraction(0.1))).toBe(true);
    expect(net.layers[0]!.slope!.toFraction()).toBe('3602879701896397/36028797018963968');
  });

  it('a number whose double is not finite is bad input naming the field', () => {
    expect(() => parseNetwork(text.replace('0.1', '1e400'))).toThrow('layers[0].slope: expected a finite number, got 1e400');
    expect(() => parseNetwork(text.replace('"inputSize": 1', '"inputSize": 1.5'))).toThrow('inputSize: expected a positive integer, got 1.5');
    expect(() => parseNetwork(text.replace('"layers": [', '"layers": [7, '))).toThrow('layers[0]: expected an object, got 7');
  });
});
