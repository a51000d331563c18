// Source: docs/formats.md and schemas/*.schema.json: the JSON Schemas and the
// loaders agree. For every file, generated or real, the loader accepts it if
// and only if the schema accepts it and it keeps the shape rules of
// docs/formats.md that JSON Schema cannot state (row lengths matching the
// layer before, one bias entry per row, rectangular matrices, one target per
// input, decimal exponents within ±10 000). Generated files break every rule
// of each schema at least once.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expectFailure, networkArbitrary, runs } from '../src/arbitraries/index.js';
import { irisDatasetJson } from '../src/experiment/data.js';
import { float64Field, rationalField } from '../src/field/index.js';
import { networkIn, networkToJson, parseDataset, parseNetwork } from '../src/network/index.js';

type Json = unknown;
const ROOT = join(import.meta.dirname, '..');
const schemaFile = (name: string) => JSON.parse(readFileSync(join(ROOT, 'schemas', name), 'utf8')) as Record<string, Json>;
const networkSchema = schemaFile('network-v1.schema.json');
const datasetSchema = schemaFile('dataset-v1.schema.json');
// verbose: each error carries the schema object it broke (its `parentSchema`), which names the rule.
const ajv = new Ajv2020({ allErrors: true, verbose: true });
const validateNetwork = ajv.compile(networkSchema);
const validateDataset = ajv.compile(datasetSchema);

// ---------------------------------------------------------------------------------------------
// The shape rules of docs/formats.md ("Rules beyond the schema"), for a file the schema accepts:
// the field the first broken rule names, in the loader's reading order.

type Row = Json[];
function networkShapeError(net: { inputSize: number; layers: { weights: Row[]; bias?: Row }[] }): string | undefined {
  let fanIn = net.inputSize;
  for (const [k, layer] of net.layers.entries()) {
    const bad = layer.weights.findIndex((row) => row.length !== fanIn);
    if (bad >= 0) return `layers[${k}].weights[${bad}]`;
    if (layer.bias !== undefined && layer.bias.length !== layer.weights.length) return `layers[${k}].bias`;
    fanIn = layer.weights.length;
  }
  return undefined;
}

function datasetShapeError(data: { loss: string; inputs: Row[]; targets: Json[] }): string | undefined {
  const ragged = (rows: Row[]) => rows.findIndex((row) => row.length !== rows[0]!.length);
  if (ragged(data.inputs) >= 0) return `inputs[${ragged(data.inputs)}]`;
  if (data.targets.length !== data.inputs.length) return 'targets';
  if (data.loss === 'mse' && ragged(data.targets as Row[]) >= 0) return `targets[${ragged(data.targets as Row[])}]`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Files as text. A RawNumber is written into the text as it is spelled (1e400, 0.1, 1e-400): the
// loader reads the text, the schema validator reads JSON.parse of the same text.

class RawNumber {
  constructor(readonly text: string) {}
}
const RAW = '~raw~';
function toText(value: Json): string {
  const text = JSON.stringify(value, (_key, v: Json) => (v instanceof RawNumber ? `${RAW}${v.text}${RAW}` : v));
  return text.replace(new RegExp(`"${RAW}([^"]*)${RAW}"`, 'g'), '$1');
}

const rawNumbers = ['1e400', '-1e400', '1e-400', '0.1', '-0.0', '1E+2', '2.5e-3', '123456789012345678901234567890', '1.7976931348623157e308', '1e-10000', '1e-10001', '-2.5E-9999'].map((t) => new RawNumber(t));

/** Rule 6 of docs/formats.md: a decimal's exponent, less its digits after the point, within ±10 000 (JSON.parse reads 1e-10001 as 0, so no schema sees it). */
function exponentOutOfRange(x: Json): boolean {
  if (!(x instanceof RawNumber)) return false;
  const [, frac = '', exp = '0'] = /^-?\d+(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(x.text)!;
  return Math.abs(Number(exp) - frac.length) > 10_000;
}

/** The values at scalar places of a file the schema accepts: weights, biases, slopes, inputs, mse targets. */
function scalarPlaces(kind: 'network' | 'dataset', file: Json): Json[] {
  if (kind === 'network') return (file as { layers: { weights: Json[][]; bias?: Json[]; slope?: Json }[] }).layers.flatMap((l) => [...l.weights.flat(), ...(l.bias ?? []), ...(l.slope === undefined ? [] : [l.slope])]);
  const d = file as { loss: string; inputs: Json[][]; targets: Json[] };
  return [...d.inputs.flat(), ...(d.loss === 'mse' ? (d.targets as Json[][]).flat() : [])];
}
const scalar: fc.Arbitrary<Json> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 20n })).map(([p, q]) => `${p}/${q}`),
  fc.tuple(fc.constantFrom('', '-', '+'), fc.nat(), fc.stringMatching(/^[0-9]{1,8}$/)).map(([s, w, f]) => `${s}${w}.${f}`),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.constantFrom(...rawNumbers),
);
const ACTIVATIONS = ['relu', 'leaky-relu', 'abs', 'linear', 'tanh', 'softplus'];
const row = (n: number) => fc.array(scalar, { minLength: n, maxLength: n });
const matrix = (rows: number, cols: number) => fc.array(row(cols), { minLength: rows, maxLength: rows });

const validNetwork: fc.Arbitrary<Json> = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.array(fc.record({ out: fc.integer({ min: 1, max: 3 }), activation: fc.constantFrom(...ACTIVATIONS), bias: fc.boolean() }), { minLength: 1, maxLength: 3 }))
  .chain(([inputSize, specs]) => {
    const fanIns = specs.map((_, k) => (k === 0 ? inputSize : specs[k - 1]!.out));
    const layers = specs.map((s, k) =>
      fc.record({
        weights: matrix(s.out, fanIns[k]!),
        activation: fc.constant(s.activation),
        ...(s.bias ? { bias: row(s.out) } : {}),
        ...(s.activation === 'leaky-relu' ? { slope: scalar } : {}),
      }),
    );
    return fc.record({ format: fc.constant('flatcheck.network/v1'), inputSize: fc.constant(inputSize), layers: fc.tuple(...layers) });
  });

const SAFE_LABEL = fc.oneof(fc.nat(5), fc.constant(Number.MAX_SAFE_INTEGER));
const validDataset: fc.Arbitrary<Json> = fc
  .tuple(fc.constantFrom('mse', 'cross-entropy'), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))
  .chain(([loss, samples, width, outputs]) =>
    fc.record({
      format: fc.constant('flatcheck.dataset/v1'),
      loss: fc.constant(loss),
      inputs: matrix(samples, width),
      targets: loss === 'mse' ? matrix(samples, outputs) : fc.array(SAFE_LABEL, { minLength: samples, maxLength: samples }),
    }),
  );

// ---------------------------------------------------------------------------------------------
// Mutations: one or two edits of a valid file, aimed so that every rule gets broken.

type Path = (string | number)[];
function paths(value: Json, prefix: Path = []): Path[] {
  const here = [prefix];
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => paths(v, [...prefix, i])));
  if (typeof value === 'object' && value !== null && !(value instanceof RawNumber)) return here.concat(...Object.entries(value).map(([k, v]) => paths(v, [...prefix, k])));
  return here;
}
const DELETE = Symbol('delete');
function edit(root: Json, path: Path, change: (old: Json) => Json | typeof DELETE): Json {
  if (path.length === 0) {
    const out = change(root);
    return out === DELETE ? null : out;
  }
  const [head, ...rest] = path;
  const copy = (Array.isArray(root) ? [...root] : { ...(root as object) }) as Record<string | number, Json>;
  if (rest.length === 0) {
    const out = change(copy[head!]);
    if (out !== DELETE) copy[head!] = out;
    else if (Array.isArray(copy)) copy.splice(head as number, 1);
    else delete copy[head!];
  } else copy[head!] = edit(copy[head!], rest, change);
  return copy;
}

/** Values for a place, by the name of the field it is in: near misses first, then anything. */
function replacementFor(key: string | number | undefined): fc.Arbitrary<Json> {
  const nearMisses: Record<string, Json[]> = {
    format: ['flatcheck.network/v1', 'flatcheck.dataset/v1', 'flatcheck.network/v2', 1],
    activation: [...ACTIVATIONS, 'sigmoid', 'ReLU', 2],
    loss: ['mse', 'cross-entropy', 'hinge', 0],
    inputSize: [0, -1, 1.5, '2', 2 ** 53, 2 ** 60, 3],
  };
  const junk = fc.constantFrom<Json>('abc', '1/0', '3/-7', ' 1', '1.', '.5', '--1', '', [], {}, [[]], null, true, 0, -1, 1.5, 2 ** 53, '1/3', 'leaky-relu', ...rawNumbers);
  const near = typeof key === 'string' ? nearMisses[key] : undefined;
  return near ? fc.oneof(fc.constantFrom(...near), junk) : fc.oneof({ weight: 3, arbitrary: junk }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }, { weight: 1, arbitrary: scalar });
}

function mutation(value: Json): fc.Arbitrary<Json> {
  const all = paths(value);
  const containers = all.filter((p) => p.length === 0 || typeof p[p.length - 1] === 'string' || Array.isArray(lookup(value, p)));
  const pick = fc.oneof(fc.constantFrom(...all), fc.constantFrom(...containers));
  const inner = all.filter((p) => p.length > 0);
  if (inner.length === 0) return replacementFor(undefined); // the root is a primitive already
  return fc.oneof(
    // replace a value
    pick.chain((p) => replacementFor(p[p.length - 1]).map((r) => edit(value, p, () => r))),
    // delete a field or an array element
    fc.constantFrom(...inner).map((p) => edit(value, p, () => DELETE)),
    // add a field to an object (allowed or not), or an element to an array (a length change)
    fc.tuple(pick, fc.constantFrom('slope', 'bias', 'extra', 'weights', 'targets', 'Format'), replacementFor(undefined)).map(([p, key, r]) =>
      edit(value, p, (old) => (Array.isArray(old) ? [...old, Array.isArray(old[0]) ? old[0] : r] : typeof old === 'object' && old !== null && !(old instanceof RawNumber) ? { ...old, [key]: r } : old)),
    ),
  );
}
function lookup(value: Json, path: Path): Json {
  return path.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k], value);
}
const mutated = (valid: fc.Arbitrary<Json>) =>
  valid.chain((v) => fc.oneof({ weight: 1, arbitrary: fc.constant(v) }, { weight: 6, arbitrary: mutation(v) }, { weight: 3, arbitrary: mutation(v).chain(mutation) }));

// ---------------------------------------------------------------------------------------------
// The agreement

type Outcome = { ok: true } | { ok: false; field: string; message: string };
function load(parse: (text: string) => unknown, text: string): Outcome {
  try {
    parse(text);
    return { ok: true };
  } catch (e) {
    return { ok: false, field: String((e as { field?: unknown }).field), message: (e as Error).message };
  }
}

/** Where each schema object sits in its document, as a JSON pointer ("#/$defs/layer"). */
function locations(schema: Json, at = '#', out = new Map<object, string>()): Map<object, string> {
  if (typeof schema !== 'object' || schema === null) return out;
  out.set(schema, at);
  for (const [k, v] of Object.entries(schema)) locations(v, `${at}/${k}`, out);
  return out;
}

const RULE_KEYWORDS = ['type', 'const', 'enum', 'required', 'additionalProperties', 'minItems', 'minimum', 'maximum', 'pattern', 'anyOf', 'not', 'if'];
/** Every rule of a schema, as "location/keyword". An `if` or `not` subschema's own failures are not errors of a file. */
function rules(schema: Json): string[] {
  return [...locations(schema)].filter(([, at]) => !/\/(if|not)(\/|$)/.test(at)).flatMap(([node, at]) => Object.keys(node).filter((k) => RULE_KEYWORDS.includes(k)).map((k) => `${at}/${k}`));
}
/** The rule an Ajv error reports broken. */
function brokenRule(where: Map<object, string>, e: { parentSchema?: unknown; keyword: string }): string {
  return `${where.get(e.parentSchema as object) ?? '?'}/${e.keyword}`;
}
const WHERE = { network: locations(networkSchema), dataset: locations(datasetSchema) };

/**
 * Rules no file can break through Ajv: it reads JSON with JSON.parse, where 1e400 is Infinity,
 * which Ajv already counts as no number at all (type). The bounds are there for validators that
 * keep non-finite doubles as numbers; the loader rejects 1e400 too (checked above via `type`).
 */
const UNREACHABLE_IN_AJV = ['#/$defs/scalar/anyOf/0/minimum', '#/$defs/scalar/anyOf/0/maximum'];

function checkAgreement(kind: 'network' | 'dataset', text: string, seen?: { broken: Set<string>; counts: Record<string, number> }, file?: Json, validateWith?: ValidateFunction): void {
  const validate: ValidateFunction = validateWith ?? (kind === 'network' ? validateNetwork : validateDataset);
  const value = JSON.parse(text) as never;
  const schemaOk = validate(value);
  const shapeError = schemaOk ? (kind === 'network' ? networkShapeError(value) : datasetShapeError(value)) : undefined;
  const exponentError = schemaOk && file !== undefined && scalarPlaces(kind, file).some(exponentOutOfRange);
  const loaded = load(kind === 'network' ? parseNetwork : parseDataset, text);
  const context = `${kind} ${text}\nschema: ${schemaOk ? 'accepts' : ajv.errorsText(validate.errors)}\nloader: ${loaded.ok ? 'accepts' : loaded.message}`;
  if (!schemaOk) expect(loaded.ok, `the schema rejects but the loader accepts: ${context}`).toBe(false);
  else if (exponentError) expect(loaded.ok, `a decimal exponent is out of range: ${context}`).toBe(false);
  else if (shapeError === undefined) expect(loaded, `the schema accepts but the loader rejects: ${context}`).toEqual({ ok: true });
  else expect(loaded.ok ? 'accepted' : loaded.field, `a shape rule is broken at ${shapeError}: ${context}`).toBe(shapeError);
  if (seen) {
    for (const e of validate.errors ?? []) seen.broken.add(brokenRule(WHERE[kind], e));
    const outcome = !schemaOk ? 'schema rejects' : exponentError ? 'exponent out of range' : shapeError !== undefined ? 'shape rule broken' : 'valid';
    seen.counts[outcome] = (seen.counts[outcome] ?? 0) + 1;
  }
}

describe('the JSON Schemas and the loaders accept exactly the same files (with the shape rules of docs/formats.md)', () => {
  for (const [kind, schema, valid] of [
    ['network', networkSchema, validNetwork],
    ['dataset', datasetSchema, validDataset],
  ] as const) {
    it(`${kind}: generated valid files and their mutations, breaking every rule of the schema`, () => {
      const seen = { broken: new Set<string>(), counts: {} as Record<string, number> };
      fc.assert(
        fc.property(mutated(valid), (file) => checkAgreement(kind, toText(file), seen, file)),
        { ...runs(1500), endOnFailure: true },
      );
      // The generator reaches all three outcomes and breaks each rule of the schema.
      expect(Object.keys(seen.counts).sort()).toEqual(['exponent out of range', 'schema rejects', 'shape rule broken', 'valid']);
      const expected = rules(schema).filter((r) => !UNREACHABLE_IN_AJV.includes(r)).sort();
      expect(expected.length).toBeGreaterThan(15);
      expect([...seen.broken].filter((r) => expected.includes(r)).sort()).toEqual(expected);
    });
  }

  it('negative control: a network schema that forgot the pattern of exact "p/q" strings is caught disagreeing with the loader', () => {
    // A copy with every pattern for scalar strings removed: it accepts any string where a number goes.
    let removed = 0;
    const loosened = JSON.parse(JSON.stringify(networkSchema), (key, value: unknown) => {
      if (value && typeof value === 'object' && typeof (value as { pattern?: unknown }).pattern === 'string' && (value as { pattern: string }).pattern.includes('/0*[1-9]')) {
        removed++;
        const { pattern: _pattern, ...rest } = value as { pattern: string };
        return rest;
      }
      return value;
    }) as object;
    expect(removed).toBeGreaterThan(0);
    const validate = new Ajv2020({ allErrors: true, verbose: true }).compile(loosened);
    const caught = expectFailure(fc.property(mutated(validNetwork), (file) => checkAgreement('network', toText(file), undefined, file, validate)), runs(1500));
    console.info(`network schema without its scalar pattern: caught, seed ${caught.seed}: ${fc.stringify(caught.counterexample).slice(0, 160)}`);
  });

  it('the repository\'s real files: the golden fixtures, the Iris dataset, and networks flatcheck writes', () => {
    const dir = join(ROOT, 'fixtures/golden');
    const golden = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(golden.length).toBeGreaterThan(0);
    for (const f of golden) {
      const raw = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { network: Json; dataset: Json };
      expect(validateNetwork(raw.network), `${f}: ${ajv.errorsText(validateNetwork.errors)}`).toBe(true);
      expect(validateDataset(raw.dataset), `${f}: ${ajv.errorsText(validateDataset.errors)}`).toBe(true);
      checkAgreement('network', JSON.stringify(raw.network));
      checkAgreement('dataset', JSON.stringify(raw.dataset));
    }
    expect(validateDataset(irisDatasetJson())).toBe(true);
    checkAgreement('dataset', JSON.stringify(irisDatasetJson()));
    fc.assert(
      fc.property(networkArbitrary({ maxWidth: 3, maxHidden: 2 }), fc.boolean(), (net, exact) => {
        const text = exact ? JSON.stringify(networkToJson(rationalField, networkIn(rationalField, net))) : JSON.stringify(networkToJson(float64Field, networkIn(float64Field, net)));
        expect(validateNetwork(JSON.parse(text)), ajv.errorsText(validateNetwork.errors)).toBe(true);
        checkAgreement('network', text);
      }),
      runs(200),
    );
  });

  it('both schemas define numbers, vectors and matrices the same way', () => {
    const defs = (s: Record<string, Json>) => {
      const { scalar, vector, matrix } = s.$defs as Record<string, Json>;
      return { scalar, vector, matrix };
    };
    expect(defs(datasetSchema)).toEqual(defs(networkSchema));
  });
});
