// Source: docs/formats.md and schemas/*.schema.json: the JSON Schemas and the
// loaders agree. For every file, generated or real, the loader accepts it if
// and only if the schema accepts it and it keeps the shape rules of
// docs/formats.md that JSON Schema cannot state (row lengths matching the
// layer before, one bias entry per row, rectangular matrices, one target per
// input, decimal exponents within ±10 000; for v2, each layer fitting the
// shape of its input, batch-norm arrays one per channel, residual nesting).
// Generated files break every rule of each schema at least once.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expectFailure, networkArbitrary, runs } from '../src/arbitraries/index.js';
import { irisDatasetJson } from '../src/experiment/data.js';
import { float64Field, rationalField } from '../src/field/index.js';
import { parseDecimal } from '../src/field/rational.js';
import { MAX_RESIDUAL_DEPTH, networkIn, networkToJson, networkV2ToJson, parseDataset, parseNetwork, parseNetworkV2 } from '../src/network/index.js';
import { networkV2In } from '../src/network/v2.js';
import { plainScalars, v2NetworkFile, type V2Scalars } from './v2-files.js';

type Json = unknown;
const ROOT = join(import.meta.dirname, '..');
const schemaFile = (name: string) => JSON.parse(readFileSync(join(ROOT, 'schemas', name), 'utf8')) as Record<string, Json>;
const networkSchema = schemaFile('network-v1.schema.json');
const networkV2Schema = schemaFile('network-v2.schema.json');
const datasetSchema = schemaFile('dataset-v1.schema.json');
// verbose: each error carries the schema object it broke (its `parentSchema`), which names the rule.
const ajv = new Ajv2020({ allErrors: true, verbose: true });
const validateNetwork = ajv.compile(networkSchema);
const validateNetworkV2 = ajv.compile(networkV2Schema);
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

// The rules of flatcheck.network/v2 beyond its schema, restated from docs/formats.md: first each
// layer's own arrays (depth first, a residual block's body before its skip), then the shapes
// through the layers, as the loader reads them.

type V2Layer = Record<string, Json>;
/** The first element of a nested array of `rank` dimensions whose length differs from the first at its depth. */
function raggedAt(x: Json, field: string, rank: number): string | undefined {
  const lengths: number[] = [];
  const walk = (v: Json, at: string, depth: number): string | undefined => {
    if (depth === rank) return undefined;
    const a = v as Json[];
    if (lengths[depth] === undefined) lengths[depth] = a.length;
    else if (a.length !== lengths[depth]) return at;
    for (const [i, e] of a.entries()) {
      const bad = walk(e, `${at}[${i}]`, depth + 1);
      if (bad !== undefined) return bad;
    }
    return undefined;
  };
  return walk(x, field, 0);
}

function ownArraysError(l: V2Layer, at: string, depth: number): string | undefined {
  const length = (key: string) => (l[key] as Json[]).length;
  if (l.type === 'dense' || l.type === 'conv2d') {
    return raggedAt(l.weights, `${at}.weights`, l.type === 'dense' ? 2 : 4) ?? (l.bias !== undefined && length('bias') !== length('weights') ? `${at}.bias` : undefined);
  }
  if (l.type === 'batchnorm') {
    const bad = ['beta', 'runningMean', 'runningVariance'].find((key) => l[key] !== undefined && length(key) !== length('gamma'));
    if (bad) return `${at}.${bad}`;
    return Array.isArray(l.epsilon) && length('epsilon') !== length('gamma') ? `${at}.epsilon` : undefined;
  }
  if (l.type === 'residual') {
    if (depth + 1 > MAX_RESIDUAL_DEPTH) return at;
    return ownArraysErrors(l.body as V2Layer[], `${at}.body`, depth + 1) ?? (l.skip ? ownArraysError(l.skip as V2Layer, `${at}.skip`, depth + 1) : undefined);
  }
  return undefined;
}
function ownArraysErrors(layers: V2Layer[], field: string, depth: number): string | undefined {
  for (const [k, l] of layers.entries()) {
    const bad = ownArraysError(l, `${field}[${k}]`, depth);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

type Through = { shape: number[] } | { error: string };
const extent = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1;
function throughLayer(l: V2Layer, shape: number[], at: string): Through {
  const spatial = shape.length === 3;
  const [C, H, W] = shape as [number, number, number];
  const error = (key: string): Through => ({ error: `${at}${key}` });
  switch (l.type) {
    case 'dense': {
      const w = l.weights as Json[][];
      if (spatial) return error('.type');
      return w[0]!.length === C ? { shape: [w.length] } : error('.weights');
    }
    case 'conv2d': {
      const w = l.weights as Json[][][][];
      const [stride, padding] = [(l.stride as number | undefined) ?? 1, (l.padding as number | undefined) ?? 0];
      const [kh, kw] = [w[0]![0]!.length, w[0]![0]![0]!.length];
      if (!spatial) return error('.type');
      if (w[0]!.length !== C || kh > H + 2 * padding || kw > W + 2 * padding) return error('.weights');
      return { shape: [w.length, extent(H, kh, stride, padding), extent(W, kw, stride, padding)] };
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      const size = l.size as number;
      if (!spatial) return error('.type');
      if (size > H || size > W) return error('.size');
      const stride = (l.stride as number | undefined) ?? size;
      return { shape: [C, extent(H, size, stride, 0), extent(W, size, stride, 0)] };
    }
    case 'flatten':
      return { shape: [shape.reduce((a, b) => a * b, 1)] };
    case 'batchnorm':
      return (l.gamma as Json[]).length === C ? { shape } : error('.gamma');
    case 'residual': {
      const body = throughSequence(l.body as V2Layer[], shape, `${at}.body`);
      if ('error' in body) return body;
      const skip = l.skip ? throughLayer(l.skip as V2Layer, shape, `${at}.skip`) : { shape };
      if ('error' in skip) return skip;
      return body.shape.join() === skip.shape.join() ? body : error('.body');
    }
    default:
      return { shape };
  }
}
function throughSequence(layers: V2Layer[], shape: number[], field: string): Through {
  let value: Through = { shape };
  for (const [k, l] of layers.entries()) {
    value = throughLayer(l, value.shape, `${field}[${k}]`);
    if ('error' in value) return value;
  }
  return value;
}

function networkV2ShapeError(net: { inputShape: number[]; layers: V2Layer[] }): string | undefined {
  const own = ownArraysErrors(net.layers, 'layers', 0);
  if (own !== undefined) return own;
  const shapes = throughSequence(net.layers, net.inputShape, 'layers');
  return 'error' in shapes ? shapes.error : undefined;
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

const V2_SCALAR_FIELDS = ['weights', 'bias', 'slope', 'gamma', 'beta', 'runningMean', 'runningVariance', 'epsilon'];
/** The scalars of v2 layers (sizes, strides and padding are integers, read as their doubles as the schema reads them). */
function layerScalars(layers: V2Layer[]): Json[] {
  return layers.flatMap((l) => [
    ...V2_SCALAR_FIELDS.flatMap((key) => (l[key] === undefined ? [] : [l[key]].flat(4))),
    ...(l.type === 'residual' ? layerScalars([...(l.body as V2Layer[]), ...(l.skip ? [l.skip as V2Layer] : [])]) : []),
  ]);
}

/** The values at scalar places of a file the schema accepts: weights, biases, slopes, batch-norm arrays, inputs, mse targets. */
function scalarPlaces(kind: Kind, file: Json): Json[] {
  if (kind === 'network-v2') return layerScalars((file as { layers: V2Layer[] }).layers);
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
const LAYER_TYPES = ['dense', 'conv2d', 'maxpool2d', 'avgpool2d', 'flatten', 'batchnorm', 'activation', 'residual'];
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

/** v2's signed places (ε > 0, running variances ≥ 0) draw from the same kinds of scalar, of their sign; 1e-400 and -1e-400 are there too. */
const v2Scalars: V2Scalars = {
  any: scalar,
  nonNegative: fc.oneof(
    fc.double({ noNaN: true, min: 0, max: Number.MAX_VALUE }),
    fc.nat(1000),
    fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 20n })).map(([p, q]) => `${p}/${q}`),
    fc.tuple(fc.constantFrom('', '+'), fc.nat(), fc.stringMatching(/^[0-9]{1,8}$/)).map(([s, w, f]) => `${s}${w}.${f}`),
    fc.constantFrom(...['0.1', '-0.0', '0', '1E+2', '1e-400', '-1e-400', '1e-10001', '1.7976931348623157e308'].map((t) => new RawNumber(t))),
  ),
  positive: fc.oneof(
    fc.double({ noNaN: true, min: Number.MIN_VALUE, max: Number.MAX_VALUE }),
    fc.integer({ min: 1, max: 1000 }),
    fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 20n })).map(([p, q]) => `${p}/${q}`),
    fc.constantFrom('1.5', '+0.001', '00.25', '3'),
    fc.constantFrom(...['0.1', '1E+2', '2.5e-3', '1e-400', '1e-10000', '1e-10001'].map((t) => new RawNumber(t))),
  ),
};
const validNetworkV2: fc.Arbitrary<Json> = v2NetworkFile(v2Scalars);

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
const NEAR_MISSES: Record<string, Json[]> = {
  format: ['flatcheck.network/v1', 'flatcheck.dataset/v1', 'flatcheck.network/v2', 1],
  activation: [...ACTIVATIONS, 'sigmoid', 'ReLU', 2],
  loss: ['mse', 'cross-entropy', 'hinge', 0],
  inputSize: [0, -1, 1.5, '2', 2 ** 53, 2 ** 60, 3],
  type: [...LAYER_TYPES, 'Dense', 'conv', 3],
  mode: ['eval', 'train', 'test', 0],
  inputShape: [[2], [1, 2, 2], [2, 2], [], [0], [1, 2, 3, 4], 3],
  size: [0, -1, 1.5, '2', 2 ** 53, 1, 2, 3],
  stride: [0, -1, 1.5, '2', 2 ** 53, 1, 2, 3],
  padding: [-1, 2 ** 53, 1.5, '1', 1],
  epsilon: [0, -1, '0', '-1/2', '1/2', [], ['1/2'], new RawNumber('1e-400')],
};
function replacementFor(key: string | number | undefined): fc.Arbitrary<Json> {
  const junk = fc.constantFrom<Json>('abc', '1/0', '3/-7', ' 1', '1.', '.5', '--1', '', [], {}, [[]], null, true, 0, -1, 1.5, 2 ** 53, '1/3', 'leaky-relu', ...rawNumbers);
  const near = typeof key === 'string' ? NEAR_MISSES[key] : undefined;
  return near ? fc.oneof(fc.constantFrom(...near), junk) : fc.oneof({ weight: 3, arbitrary: junk }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }, { weight: 1, arbitrary: scalar });
}

/** Fields a mutation adds (allowed in some places, not in others). */
const ADDED_KEYS = ['slope', 'bias', 'extra', 'weights', 'targets', 'Format'];
interface Mutations {
  keys: string[];
  /** Also pick a named field as often as any path: a v2 file has many more numbers than fields. */
  fields: boolean;
}
const V1_MUTATIONS: Mutations = { keys: ADDED_KEYS, fields: false };
const V2_MUTATIONS: Mutations = { keys: [...ADDED_KEYS, 'stride', 'padding', 'skip', 'runningMean', 'runningVariance', 'type', 'size'], fields: true };

function mutation(value: Json, { keys, fields }: Mutations = V1_MUTATIONS): fc.Arbitrary<Json> {
  const all = paths(value);
  const containers = all.filter((p) => p.length === 0 || typeof p[p.length - 1] === 'string' || Array.isArray(lookup(value, p)));
  const named = all.filter((p) => typeof p[p.length - 1] === 'string');
  const pick = fc.oneof(fc.constantFrom(...all), fc.constantFrom(...containers), ...(fields && named.length > 0 ? [fc.constantFrom(...named)] : []));
  const inner = all.filter((p) => p.length > 0);
  if (inner.length === 0) return replacementFor(undefined); // the root is a primitive already
  // A near miss at a field with near misses, each such field name as likely as any other (a rare one, padding, as often as a common one).
  const nearKeys = [...new Set(named.map((p) => p[p.length - 1] as string))].filter((k) => k in NEAR_MISSES);
  const nearMiss = fields && nearKeys.length > 0
    ? [fc.constantFrom(...nearKeys).chain((k) => fc.tuple(fc.constantFrom(...named.filter((p) => p[p.length - 1] === k)), fc.constantFrom(...NEAR_MISSES[k]!))).map(([p, r]) => edit(value, p, () => r))]
    : [];
  return fc.oneof(
    ...nearMiss,
    // replace a value
    pick.chain((p) => replacementFor(p[p.length - 1]).map((r) => edit(value, p, () => r))),
    // delete a field or an array element
    fc.constantFrom(...inner).map((p) => edit(value, p, () => DELETE)),
    // add a field to an object (allowed or not), or an element to an array (a length change)
    fc.tuple(pick, fc.constantFrom(...keys), replacementFor(undefined)).map(([p, key, r]) =>
      edit(value, p, (old) => (Array.isArray(old) ? [...old, Array.isArray(old[0]) ? old[0] : r] : typeof old === 'object' && old !== null && !(old instanceof RawNumber) ? { ...old, [key]: r } : old)),
    ),
  );
}
function lookup(value: Json, path: Path): Json {
  return path.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k], value);
}
const mutated = (valid: fc.Arbitrary<Json>, how = V1_MUTATIONS) =>
  valid.chain((v) => fc.oneof({ weight: 1, arbitrary: fc.constant(v) }, { weight: 6, arbitrary: mutation(v, how) }, { weight: 3, arbitrary: mutation(v, how).chain((m) => mutation(m, how)) }));

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

const RULE_KEYWORDS = ['type', 'const', 'enum', 'required', 'additionalProperties', 'minItems', 'maxItems', 'minimum', 'exclusiveMinimum', 'maximum', 'pattern', 'anyOf', 'not', 'if'];
/** Every rule of a schema, as "location/keyword". An `if` or `not` subschema's own failures are not errors of a file. */
function rules(schema: Json): string[] {
  // A `properties` or `$defs` object is a map of names, not a schema: its key "type" is a field's name.
  return [...locations(schema)].filter(([, at]) => !/\/(if|not)(\/|$)/.test(at) && !/\/(properties|\$defs)$/.test(at)).flatMap(([node, at]) => Object.keys(node).filter((k) => RULE_KEYWORDS.includes(k)).map((k) => `${at}/${k}`));
}
/** The rule an Ajv error reports broken. */
function brokenRule(where: Map<object, string>, e: { parentSchema?: unknown; keyword: string }): string {
  return `${where.get(e.parentSchema as object) ?? '?'}/${e.keyword}`;
}
type Kind = 'network' | 'network-v2' | 'dataset';
const WHERE: Record<Kind, Map<object, string>> = { network: locations(networkSchema), 'network-v2': locations(networkV2Schema), dataset: locations(datasetSchema) };

/**
 * Rules no file can break through Ajv: it reads JSON with JSON.parse, where 1e400 is Infinity,
 * which Ajv already counts as no number at all (type). The bounds are there for validators that
 * keep non-finite doubles as numbers; the loader rejects 1e400 too (checked above via `type`).
 */
const UNREACHABLE_IN_AJV = ['#/$defs/scalar/anyOf/0/minimum', '#/$defs/scalar/anyOf/0/maximum', '#/$defs/nonNegative/anyOf/0/maximum', '#/$defs/positive/anyOf/0/maximum'];

/**
 * A schema validator sees a JSON number as its double, and a decimal below 2.5e-324 in magnitude
 * is 0 there: ε = 1e-400 is positive to the loader, 0 to the schema (and a variance of -1e-400
 * negative to the loader, -0 to the schema). The one place the two readings differ is a sign
 * rule, so the schema is asked about the file with each such number at ε and the running
 * variances replaced by the double of its sign nearest 0, ±5e-324: the same sign as the decimal.
 */
function signsAsMeant(x: Json, key?: string | number): Json {
  if (x instanceof RawNumber) {
    const decimal = parseDecimal(x.text);
    const underflows = Number(x.text) === 0 && decimal !== undefined && !decimal.equals(0);
    return underflows && (key === 'epsilon' || key === 'runningVariance') ? new RawNumber(decimal.s < 0 ? '-5e-324' : '5e-324') : x;
  }
  if (Array.isArray(x)) return x.map((v) => signsAsMeant(v, key));
  if (typeof x === 'object' && x !== null) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, signsAsMeant(v, k)]));
  return x;
}

const VALIDATE: Record<Kind, ValidateFunction> = { network: validateNetwork, 'network-v2': validateNetworkV2, dataset: validateDataset };
const LOADER: Record<Kind, (text: string) => unknown> = { network: parseNetwork, 'network-v2': parseNetworkV2, dataset: parseDataset };
const SHAPE_ERROR: Record<Kind, (value: never) => string | undefined> = { network: networkShapeError, 'network-v2': networkV2ShapeError, dataset: datasetShapeError };

function checkAgreement(kind: Kind, text: string, seen?: { broken: Set<string>; counts: Record<string, number> }, file?: Json, validateWith?: ValidateFunction): void {
  const validate: ValidateFunction = validateWith ?? VALIDATE[kind];
  const meant = kind === 'network-v2' && file !== undefined ? toText(signsAsMeant(file)) : text;
  const asRead = meant !== text ? validate(JSON.parse(text)) : undefined;
  const value = JSON.parse(meant) as never;
  const schemaOk = validate(value);
  const doubleView = asRead !== undefined && asRead !== schemaOk;
  const shapeError = schemaOk ? SHAPE_ERROR[kind](value) : undefined;
  const exponentError = schemaOk && file !== undefined && scalarPlaces(kind, file).some(exponentOutOfRange);
  const loaded = load(LOADER[kind], text);
  const context = `${kind} ${text}\nschema: ${schemaOk ? 'accepts' : ajv.errorsText(validate.errors)}\nloader: ${loaded.ok ? 'accepts' : loaded.message}`;
  if (!schemaOk) expect(loaded.ok, `the schema rejects but the loader accepts: ${context}`).toBe(false);
  else if (exponentError) expect(loaded.ok, `a decimal exponent is out of range: ${context}`).toBe(false);
  else if (shapeError === undefined) expect(loaded, `the schema accepts but the loader rejects: ${context}`).toEqual({ ok: true });
  else expect(loaded.ok ? 'accepted' : loaded.field, `a shape rule is broken at ${shapeError}: ${context}`).toBe(shapeError);
  if (seen) {
    for (const e of validate.errors ?? []) seen.broken.add(brokenRule(WHERE[kind], e));
    const outcome = !schemaOk ? 'schema rejects' : exponentError ? 'exponent out of range' : shapeError !== undefined ? 'shape rule broken' : 'valid';
    seen.counts[outcome] = (seen.counts[outcome] ?? 0) + 1;
    if (doubleView) seen.counts['sign of a decimal below the doubles'] = (seen.counts['sign of a decimal below the doubles'] ?? 0) + 1;
  }
}

describe('the JSON Schemas and the loaders accept exactly the same files (with the shape rules of docs/formats.md)', () => {
  for (const [kind, schema, valid, count] of [
    ['network', networkSchema, validNetwork, 1500],
    ['network-v2', networkV2Schema, validNetworkV2, 3000],
    ['dataset', datasetSchema, validDataset, 1500],
  ] as const) {
    it(`${kind}: generated valid files and their mutations, breaking every rule of the schema`, () => {
      const seen = { broken: new Set<string>(), counts: {} as Record<string, number> };
      fc.assert(
        fc.property(mutated(valid, kind === 'network-v2' ? V2_MUTATIONS : V1_MUTATIONS), (file) => checkAgreement(kind, toText(file), seen, file)),
        { ...runs(count), endOnFailure: true },
      );
      // The generator reaches every outcome and breaks each rule of the schema.
      const outcomes = ['exponent out of range', 'schema rejects', 'shape rule broken', 'valid', ...(kind === 'network-v2' ? ['sign of a decimal below the doubles'] : [])];
      expect(Object.keys(seen.counts).sort()).toEqual(outcomes.sort());
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

  it('negative control: a v2 schema whose layers take fields they do not define (no additionalProperties: false) is caught disagreeing with the loader', () => {
    const loosened = structuredClone(networkV2Schema) as { $defs: Record<string, Record<string, unknown>> };
    const layers = ['dense', 'conv2d', 'pool', 'flatten', 'batchnorm', 'activation', 'residual'];
    for (const name of layers) {
      expect(loosened.$defs[name]!.additionalProperties, name).toBe(false);
      delete loosened.$defs[name]!.additionalProperties;
    }
    const validate = new Ajv2020({ allErrors: true, verbose: true }).compile(loosened);
    const caught = expectFailure(fc.property(mutated(validNetworkV2, V2_MUTATIONS), (file) => checkAgreement('network-v2', toText(file), undefined, file, validate)), runs(3000));
    console.info(`network-v2 schema whose layers take any field: caught, seed ${caught.seed}: ${fc.stringify(caught.counterexample).slice(0, 160)}`);
  });

  it('v2 rules the schema cannot state: residual nesting, and the sign of a decimal too small for a double', () => {
    const nest = (depth: number): Json => (depth === 0 ? { type: 'activation', activation: 'relu' } : { type: 'residual', body: [nest(depth - 1)] });
    for (const depth of [MAX_RESIDUAL_DEPTH, MAX_RESIDUAL_DEPTH + 1]) {
      const text = JSON.stringify({ format: 'flatcheck.network/v2', inputShape: [1], layers: [nest(depth)] });
      expect(validateNetworkV2(JSON.parse(text)), ajv.errorsText(validateNetworkV2.errors)).toBe(true); // no schema bounds recursion
      expect(load(parseNetworkV2, text).ok).toBe(depth <= MAX_RESIDUAL_DEPTH);
      checkAgreement('network-v2', text);
    }
    // ε = 1e-400 is 10⁻⁴⁰⁰ > 0 to the loader, 0 to a validator reading doubles; a variance of -1e-400 is negative, and -0 there.
    const bn = (epsilon: string, variance: string) => `{"format": "flatcheck.network/v2", "inputShape": [1], "layers": [{"type": "batchnorm", "mode": "eval", "gamma": [1], "beta": [0], "runningMean": [0], "runningVariance": [${variance}], "epsilon": ${epsilon}}]}`;
    expect([validateNetworkV2(JSON.parse(bn('1e-400', '1'))), load(parseNetworkV2, bn('1e-400', '1')).ok]).toEqual([false, true]);
    expect([validateNetworkV2(JSON.parse(bn('1', '-1e-400'))), load(parseNetworkV2, bn('1', '-1e-400')).ok]).toEqual([true, false]);
    const file = (epsilon: string, variance: string) => ({ format: 'flatcheck.network/v2', inputShape: [1], layers: [{ type: 'batchnorm', mode: 'eval', gamma: [1], beta: [0], runningMean: [0], runningVariance: [new RawNumber(variance)], epsilon: new RawNumber(epsilon) }] });
    for (const f of [file('1e-400', '1'), file('1', '-1e-400'), file('1e-400', '1e-400')]) checkAgreement('network-v2', toText(f), undefined, f);
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
    // flatcheck.network/v2: the example files, and what networkV2ToJson writes (v1 for an MLP, v2 otherwise).
    const v2 = join(ROOT, 'fixtures/v2');
    const examples = readdirSync(v2).filter((f) => f.endsWith('.json'));
    for (const f of examples) {
      const parsed = JSON.parse(readFileSync(join(v2, f), 'utf8')) as { format?: string; network?: Json; dataset?: Json };
      // A file is a network, a dataset, or (the PyTorch agreement fixtures) a { network, dataset } pair.
      const parts: [string, Json][] = parsed.format === undefined ? [['network', parsed.network], ['dataset', parsed.dataset]] : [['', parsed]];
      for (const [key, part] of parts) {
        const format = (part as { format: string }).format;
        const kind: Kind = format === 'flatcheck.network/v2' ? 'network-v2' : format === 'flatcheck.network/v1' ? 'network' : 'dataset';
        expect(VALIDATE[kind](part), `${f}${key ? ` (${key})` : ''}: ${ajv.errorsText(VALIDATE[kind].errors)}`).toBe(true);
        checkAgreement(kind, JSON.stringify(part));
      }
    }
    expect(examples.filter((f) => f.includes('-bn')).length).toBeGreaterThan(1);
    fc.assert(
      fc.property(v2NetworkFile(plainScalars), fc.boolean(), (file, exact) => {
        const net = parseNetworkV2(file);
        const written = (exact ? networkV2ToJson(rationalField, networkV2In(rationalField, net)) : networkV2ToJson(float64Field, networkV2In(float64Field, net))) as { format: string };
        const kind = written.format === 'flatcheck.network/v2' ? 'network-v2' : 'network';
        expect(VALIDATE[kind](written), ajv.errorsText(VALIDATE[kind].errors)).toBe(true);
        checkAgreement(kind, JSON.stringify(written));
      }),
      runs(200),
    );
  });

  it('the schemas define numbers, vectors and matrices the same way', () => {
    const defs = (s: Record<string, Json>) => {
      const { scalar, vector, matrix } = s.$defs as Record<string, Json>;
      return { scalar, vector, matrix };
    };
    expect(defs(datasetSchema)).toEqual(defs(networkSchema));
    expect(defs(networkV2Schema)).toEqual(defs(networkSchema));
  });
});
