/**
 * Generated flatcheck.network/v2 files (JSON values, not text), valid by
 * construction: each layer is drawn for the shape it sees, so every shape
 * rule of docs/formats.md holds. Used by the schema/loader agreement and by
 * the loader's round-trip test. Scalars come from the caller, so a test can
 * draw raw decimals, "p/q" strings or doubles.
 */
import fc from 'fast-check';

type Json = unknown;
type Shape = number[];

export interface V2Scalars {
  any: fc.Arbitrary<Json>;
  /** For running variances. */
  nonNegative: fc.Arbitrary<Json>;
  /** For ε. */
  positive: fc.Arbitrary<Json>;
}

interface Built {
  layer: Record<string, Json>;
  out: Shape;
  /** The spatial stride of a residual body's layers, so that a 1×1 projection with this stride matches it. */
  stride: number;
}
interface Sequence {
  layers: Json[];
  out: Shape;
  stride: number;
}

const ACTIVATIONS = ['relu', 'leaky-relu', 'abs', 'linear', 'tanh', 'softplus'] as const;
const MAX_NESTING = 2;

const exactly = <T>(a: fc.Arbitrary<T>, n: number) => fc.array(a, { minLength: n, maxLength: n });
function tensor(s: fc.Arbitrary<Json>, dims: readonly number[]): fc.Arbitrary<Json[]> {
  return dims.length === 1 ? exactly(s, dims[0]!) : exactly(tensor(s, dims.slice(1)), dims[0]!);
}
const extent = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1;
/** `{ key: value }` or `{}`: an optional field at its default, written or not. */
const maybe = (key: string, value: Json) => fc.boolean().map((b): Record<string, Json> => (b ? { [key]: value } : {}));

function dense(S: V2Scalars, n: number, outputs?: number): fc.Arbitrary<Built> {
  return fc.record({ out: outputs === undefined ? fc.integer({ min: 1, max: 3 }) : fc.constant(outputs), bias: fc.boolean() }).chain(({ out, bias }) =>
    fc.record({ weights: tensor(S.any, [out, n]), ...(bias ? { bias: exactly(S.any, out) } : {}) }).map((p) => ({ layer: { type: 'dense', ...p }, out: [out], stride: 1 })),
  );
}

/** Any convolution that fits [C, H, W]; `same`: an odd kernel with padding (k−1)/2, whose output is the input's size divided by the stride, as a 1×1 projection's is. */
function conv(S: V2Scalars, [C, H, W]: Shape, same: boolean, projection?: { out: number; stride: number }): fc.Arbitrary<Built> {
  const spec = projection
    ? fc.constant({ out: projection.out, kh: 1, kw: 1, stride: projection.stride, padding: 0 })
    : same
      ? fc.record({ out: fc.integer({ min: 1, max: 2 }), k: fc.constantFrom(1, 3), stride: fc.integer({ min: 1, max: 2 }) }).map(({ out, k, stride }) => ({ out, kh: k, kw: k, stride, padding: (k - 1) / 2 }))
      : fc.record({ out: fc.integer({ min: 1, max: 2 }), padding: fc.integer({ min: 0, max: 1 }), stride: fc.integer({ min: 1, max: 2 }) }).chain((s) =>
        fc.record({ kh: fc.integer({ min: 1, max: Math.min(3, H! + 2 * s.padding) }), kw: fc.integer({ min: 1, max: Math.min(3, W! + 2 * s.padding) }) }).map((k) => ({ ...s, ...k })),
      );
  return fc.tuple(spec, fc.boolean()).chain(([s, bias]) =>
    fc.record({
      weights: tensor(S.any, [s.out, C!, s.kh, s.kw]),
      ...(bias ? { bias: exactly(S.any, s.out) } : {}),
      stride: s.stride === 1 ? maybe('stride', 1) : fc.constant({ stride: s.stride }),
      padding: s.padding === 0 ? maybe('padding', 0) : fc.constant({ padding: s.padding }),
    }).map(({ stride, padding, ...p }) => ({
      layer: { type: 'conv2d', ...p, ...stride, ...padding },
      out: [s.out, extent(H!, s.kh, s.stride, s.padding), extent(W!, s.kw, s.stride, s.padding)],
      stride: s.stride,
    })),
  );
}

function pool([C, H, W]: Shape): fc.Arbitrary<Built> {
  return fc.record({ type: fc.constantFrom('maxpool2d', 'avgpool2d'), size: fc.integer({ min: 1, max: Math.min(2, H!, W!) }), stride: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }) }).map(({ type, size, stride }) => ({
    layer: { type, size, ...(stride === undefined ? {} : { stride }) },
    out: [C!, extent(H!, size, stride ?? size, 0), extent(W!, size, stride ?? size, 0)],
    stride: 1,
  }));
}

function batchnorm(S: V2Scalars, shape: Shape): fc.Arbitrary<Built> {
  const C = shape[0]!;
  return fc.record({ mode: fc.constantFrom('eval', 'train'), statistics: fc.boolean(), oneEpsilon: fc.boolean() }).chain(({ mode, statistics, oneEpsilon }) =>
    fc.record({
      gamma: exactly(S.any, C),
      beta: exactly(S.any, C),
      ...(mode === 'eval' || statistics ? { runningMean: exactly(S.any, C), runningVariance: exactly(S.nonNegative, C) } : {}),
      epsilon: oneEpsilon ? S.positive : exactly(S.positive, C),
    }).map((p) => ({ layer: { type: 'batchnorm', mode, ...p }, out: [...shape], stride: 1 })),
  );
}

function activation(S: V2Scalars, shape: Shape): fc.Arbitrary<Built> {
  return fc.constantFrom(...ACTIVATIONS).chain((a) =>
    (a === 'leaky-relu' ? S.any.map((slope) => ({ type: 'activation', activation: a, slope })) : fc.constant({ type: 'activation', activation: a })).map((layer) => ({ layer, out: [...shape], stride: 1 })),
  );
}

function residual(S: V2Scalars, shape: Shape, depth: number): fc.Arbitrary<Built> {
  return fc.integer({ min: 1, max: 2 }).chain((n) => sequence(S, shape, depth + 1, true, n)).chain((body) => {
    const same = body.out.join() === shape.join() && body.stride === 1;
    const projection: fc.Arbitrary<Built> = shape.length === 1 ? dense(S, shape[0]!, body.out[0]!) : conv(S, shape, false, { out: body.out[0]!, stride: body.stride });
    const skip = same ? fc.option(projection, { nil: undefined }) : projection;
    return skip.map((s) => ({ layer: { type: 'residual', body: body.layers, ...(s ? { skip: s.layer } : {}) }, out: body.out, stride: body.stride }));
  });
}

/** A layer for a value of this shape; a residual body keeps [C, H, W] values spatial and their sizes matched by a 1×1 projection. */
function layer(S: V2Scalars, shape: Shape, depth: number, inBody: boolean): fc.Arbitrary<Built> {
  const options: fc.Arbitrary<Built>[] = [batchnorm(S, shape), activation(S, shape)];
  if (shape.length === 1) options.push(dense(S, shape[0]!), dense(S, shape[0]!));
  else if (inBody) options.push(conv(S, shape, true));
  else options.push(conv(S, shape, false), pool(shape), fc.constant({ layer: { type: 'flatten' }, out: [shape.reduce((a, b) => a * b, 1)], stride: 1 }));
  if (depth < MAX_NESTING) options.push(residual(S, shape, depth));
  return fc.oneof(...options);
}

function sequence(S: V2Scalars, shape: Shape, depth: number, inBody: boolean, length: number): fc.Arbitrary<Sequence> {
  if (length === 0) return fc.constant({ layers: [], out: shape, stride: 1 });
  return layer(S, shape, depth, inBody).chain((first) =>
    sequence(S, first.out, depth, inBody, length - 1).map((rest) => ({ layers: [first.layer, ...rest.layers], out: rest.out, stride: first.stride * rest.stride })),
  );
}

/** A valid flatcheck.network/v2 file: an input shape [n] or [C, H, W] and 1–4 layers (residual blocks nested up to 2 deep). */
export function v2NetworkFile(S: V2Scalars): fc.Arbitrary<Record<string, Json>> {
  const inputShape = fc.oneof(fc.tuple(fc.integer({ min: 1, max: 4 })), fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })));
  return fc.tuple(inputShape, fc.integer({ min: 1, max: 4 })).chain(([shape, n]) =>
    sequence(S, shape, 0, false, n).map((s) => ({ format: 'flatcheck.network/v2', inputShape: shape, layers: s.layers })),
  );
}

/** Doubles, small integers and "p/q" strings: scalars any engine reads. */
export const plainScalars: V2Scalars = {
  any: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.integer({ min: -9, max: 9 }), fc.tuple(fc.integer({ min: -99, max: 99 }), fc.integer({ min: 1, max: 99 })).map(([p, q]) => `${p}/${q}`)),
  nonNegative: fc.oneof(fc.double({ noNaN: true, min: 0, max: 1e6 }), fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 99 })).map(([p, q]) => `${p}/${q}`)),
  positive: fc.oneof(fc.double({ noNaN: true, min: 2 ** -30, max: 1e3 }), fc.tuple(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 99 })).map(([p, q]) => `${p}/${q}`)),
};
