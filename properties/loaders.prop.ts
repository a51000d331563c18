// Source: ARCHITECTURE.md, "Validation at every boundary": the network and
// dataset loaders accept a valid file or reject it with their own named
// error (InputError), for any JSON value and any mutation of a valid file.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fitDataset, networkArbitrary, rawDatasetArbitrary, runs } from '../src/arbitraries/index.js';
import { InputError } from '../src/field/errors.js';
import { float64Field, parseDecimal, rationalField } from '../src/field/index.js';
import { datasetIn, datasetToJson, flatten, networkIn, networkToJson, parseDataset, parseNetwork, shapeOf } from '../src/network/index.js';

type Json = unknown;

/** Every path to a value inside a JSON tree (the root is []). */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => paths(v, [...prefix, i])));
  if (typeof value === 'object' && value !== null) return here.concat(...Object.entries(value).map(([k, v]) => paths(v, [...prefix, k])));
  return here;
}

function setAt(root: Json, path: (string | number)[], replacement: Json | typeof DELETE): Json {
  if (path.length === 0) return replacement === DELETE ? undefined : replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(root) ? [...root] : { ...(root as object) }) as Record<string | number, Json>;
  const next = setAt(copy[head!], rest, replacement);
  if (replacement === DELETE && rest.length === 0) {
    if (Array.isArray(copy)) copy.splice(head as number, 1);
    else delete copy[head!];
  } else copy[head!] = next;
  return copy;
}
const DELETE = Symbol('delete');

const nasty = fc.constantFrom<Json>(NaN, Infinity, -Infinity, '1/0', 'abc', '3/-7', '--1', '', [], {}, null, true, [[]], 1e400, -0, 2 ** 60, 'leaky-relu', 'NaN', DELETE);

function mutate(value: Json): fc.Arbitrary<Json> {
  const all = paths(value);
  return fc.tuple(fc.nat({ max: all.length - 1 }), fc.oneof(nasty, fc.jsonValue({ maxDepth: 2 }))).map(([i, replacement]) => setAt(value, all[i]!, replacement));
}

/** Accepted, or rejected with the loader's own InputError: anything else thrown fails the property. */
function acceptsOrNamesTheField(load: (x: Json) => unknown, input: Json): 'accepted' | 'rejected' {
  try {
    load(input);
    return 'accepted';
  } catch (e) {
    expect(e, `threw ${String(e)}`).toBeInstanceOf(InputError);
    const { field, message } = e as InputError;
    expect(field.length).toBeGreaterThan(0);
    expect(message.startsWith(`${field}: expected `)).toBe(true);
    return 'rejected';
  }
}

/** Counts outcomes, so a run shows the mutations reach both valid and invalid files. */
function outcomes() {
  const seen = { accepted: 0, rejected: 0 };
  return {
    add: (o: 'accepted' | 'rejected') => void seen[o]++,
    expectBoth: () => {
      expect(seen.accepted).toBeGreaterThan(0);
      expect(seen.rejected).toBeGreaterThan(0);
    },
  };
}

const validNetwork = networkArbitrary({ maxWidth: 3, maxHidden: 2 }).map((n) => networkToJson(rationalField, networkIn(rationalField, n)));
const validDataset = fc.tuple(networkArbitrary({ maxWidth: 3, maxHidden: 1, minOutput: 2 }), rawDatasetArbitrary(), fc.boolean()).map(([n, d, ce]) =>
  datasetToJson(rationalField, datasetIn(rationalField, fitDataset(d, shapeOf(n), ce ? 'cross-entropy' : 'mse'))),
);

describe('Loaders: every input is accepted as valid or rejected with a named InputError, nothing else is thrown', () => {
  it('arbitrary JSON values and JSON text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.json(), fc.string()), (value) => {
        acceptsOrNamesTheField(parseNetwork, value);
        acceptsOrNamesTheField(parseDataset, value);
      }),
      runs(500),
    );
  });

  it('valid network files survive a round trip, and every single mutation is accepted or named', () => {
    const seen = outcomes();
    fc.assert(
      fc.property(validNetwork.chain((v) => fc.tuple(fc.constant(v), mutate(v))), ([valid, mutated]) => {
        expect(networkToJson(rationalField, networkIn(rationalField, parseNetwork(valid)))).toEqual(valid);
        seen.add(acceptsOrNamesTheField(parseNetwork, mutated));
        acceptsOrNamesTheField(parseNetwork, JSON.stringify(mutated) ?? '');
      }),
      runs(500),
    );
    seen.expectBoth();
  });

  it('valid dataset files survive a round trip, and every single mutation is accepted or named', () => {
    const seen = outcomes();
    fc.assert(
      fc.property(validDataset.chain((v) => fc.tuple(fc.constant(v), mutate(v))), ([valid, mutated]) => {
        expect(parseDataset(valid)).toBeDefined();
        seen.add(acceptsOrNamesTheField(parseDataset, mutated));
      }),
      runs(500),
    );
    seen.expectBoth();
  });

  it('a mutation of a file\'s text (a character inserted, deleted or replaced) is accepted or named', () => {
    const seen = outcomes();
    const text = fc.oneof(validNetwork.map((v) => ['network', JSON.stringify(v, null, 1)] as const), validDataset.map((v) => ['dataset', JSON.stringify(v)] as const));
    const edit = fc.tuple(fc.nat(), fc.nat({ max: 2 }), fc.constantFrom('', '[', ']', '{', '}', ',', ':', '"', '-', '.', 'e', '0', '9', '1e400', 'x', ' '));
    fc.assert(
      fc.property(text, edit, ([kind, t], [at, cut, insert]) => {
        const i = at % (t.length + 1);
        const mutated = t.slice(0, i) + insert + t.slice(i + cut);
        seen.add(acceptsOrNamesTheField(kind === 'network' ? parseNetwork : parseDataset, mutated));
      }),
      runs(500),
    );
    seen.expectBoth();
  });
});

describe('Loaders: a number in JSON text means the decimal it spells', () => {
  const floatNetwork = validNetwork.map((v) => networkToJson(float64Field, networkIn(float64Field, parseNetwork(v))));

  it('float engines read the same doubles from the text as from JSON.parse; the rational engine reads the decimals', () => {
    fc.assert(
      fc.property(floatNetwork, (v) => {
        const text = JSON.stringify(v);
        const fromText = parseNetwork(text);
        expect(networkIn(float64Field, fromText)).toEqual(networkIn(float64Field, parseNetwork(JSON.parse(text))));
        const exact = flatten(networkIn(rationalField, fromText));
        const doubles = flatten(networkIn(float64Field, fromText));
        exact.forEach((q, i) => expect(q.equals(parseDecimal(String(doubles[i]))!)).toBe(true)); // JSON.stringify writes the shortest round-trip decimal
      }),
      runs(200),
    );
  });
});
