// The v2 reverse-mode engine (src/network/v2-forward.ts, src/autodiff/v2.ts),
// checked two independent ways. On multilayer perceptrons it is the v1 closed
// form of src/autodiff/derivatives.ts, entry by entry: exactly in the exact
// field, and in float64 to the last bit where the two compute in the same
// order. On every layer type (convolutions, pools, eval-mode batch norm,
// residual blocks) its gradient and Hessian-vector product are read off the
// exact polynomial t ↦ L(θ + t·v), interpolated from loss evaluations alone.
// Committed mutants of the engine (one line of its source changed) are caught.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fraction } from 'mathjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectFailure, featuresOfNetworkV2, fitDataset, networkArbitrary, networkV2AndDataArbitrary, offKinks, rawDatasetArbitrary, runs, type NetworkV2AndData, type NetworkV2ArbitraryOptions } from '../src/arbitraries/index.js';
import { FLOAT64_UNIT_ROUNDOFF, float64Field, type Field } from '../src/field/index.js';
import { exactValueToFraction, terminatingField as T, type ExactValue } from '../src/field/terminating.js';
import { datasetIn, forward, networkIn, shapeOf, type Dataset, type ScalarNetwork } from '../src/network/index.js';
import { flattenV2, fromV1, networkV2In, parameterCountV2, sequenceShapes, unflattenV2, type LayerV2, type NetworkV2 } from '../src/network/v2.js';
import { forwardV2, lossV2 } from '../src/network/v2-forward.js';
import * as realEngine from '../src/autodiff/v2.js';
import { hessianByProducts, lossGradient, lossHessian } from '../src/autodiff/derivatives.js';
import { hessianErrorBound, sameActivationPattern } from '../src/autodiff/bounds.js';
import { polynomialDerivatives } from '../src/autodiff/interpolate.js';

type Engine = Pick<typeof realEngine, 'lossGradientV2' | 'lossHessianVectorProductV2' | 'lossHessianV2'>;

/** The first entry where two equally shaped arrays differ under F.equals, as text; undefined when none does. */
function firstDifference<T>(F: Field<T>, a: readonly unknown[], b: readonly unknown[], at = ''): string | undefined {
  if (a.length !== b.length) return `${at}: lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i], b[i]];
    const d = Array.isArray(x) ? firstDifference(F, x, y as unknown[], `${at}[${i}]`) : F.equals(x as T, y as T) ? undefined : `${at}[${i}]: ${F.toString(x as T)} and ${F.toString(y as T)}`;
    if (d !== undefined) return d;
  }
  return undefined;
}

const mlps = (weights: 'rational' | 'dyadic', minOutput = 1) => networkArbitrary({ weights, maxHidden: 3, maxWidth: 3, maxInput: 3, minOutput, maxOutput: 3 });

/** v2 on fromV1(net) against the v1 closed form, exactly in the terminating field (mse): forward, gradient, Hessian. */
function exactMlpAgrees(engine: Engine, raw: ScalarNetwork, data: Dataset<ExactValue>): void {
  const net = networkIn(T, raw);
  const v2 = fromV1(net);
  expect(firstDifference(T, forwardV2(T, v2, data.inputs), forward(T, net, data.inputs))).toBeUndefined();
  const gradient = offKinks(() => lossGradient(T, net, data));
  expect(firstDifference(T, engine.lossGradientV2(T, v2, data), gradient)).toBeUndefined();
  expect(firstDifference(T, engine.lossHessianV2(T, v2, data), lossHessian(T, net, data))).toBeUndefined();
}

describe('on multilayer perceptrons the v2 engine is the v1 closed form, entry by entry', () => {
  it('exactly, in the terminating field (mse; rational and dyadic weights, with and without biases, every piecewise-linear activation)', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(fc.oneof(mlps('rational'), mlps('dyadic')), rawDatasetArbitrary({ maxSamples: 3 }), (raw, rawData) => {
        const shape = shapeOf(raw);
        kinds.add(`${shape.activations[0]}, ${shape.hasBias[0] ? 'bias' : 'no bias'}`);
        exactMlpAgrees(realEngine, raw, datasetIn(T, fitDataset(rawData, shape, 'mse')));
      }),
      runs(100),
    );
    expect(kinds.size).toBe(8);
  });

  // Why float64 agrees to the last bit: v2's dense step sums the bias, then the inputs in index order,
  // as preActivation does; its backward adds each sample's term to a gradient entry in sample order and
  // each output's to an input's in output order, as lossGradient does; IEEE multiplication commutes; and
  // the zero terms v2 skips would add ±0, which changes no sum (only a zero's sign, and F.equals is ===,
  // so −0 equals 0). lossHessianV2 is that gradient run in dual numbers, as hessianByProducts runs
  // lossGradient: the same bits again. lossHessian's closed form sums in another order; each is within
  // hessianErrorBound of the exact Hessian (a bound for any order of summation), so they are within twice it.
  it('in float64 (mse and cross-entropy): forward passes and gradients to the last bit, the Hessian to the last bit of hessianByProducts and within twice the rounding bound of the closed form', () => {
    let bounded = 0;
    let checked = 0;
    fc.assert(
      fc.property(fc.oneof(fc.tuple(mlps('dyadic'), fc.constant('mse' as const)), fc.tuple(mlps('dyadic', 2), fc.constant('cross-entropy' as const))), rawDatasetArbitrary({ values: 'dyadic', maxSamples: 3 }), ([raw, loss], rawData) => {
        const F = float64Field;
        const net = networkIn(F, raw);
        const data = datasetIn(F, fitDataset(rawData, shapeOf(raw), loss));
        const v2 = fromV1(net);
        expect(firstDifference(F, forwardV2(F, v2, data.inputs), forward(F, net, data.inputs))).toBeUndefined();
        const gradient = offKinks(() => lossGradient(F, net, data));
        checked++;
        expect(firstDifference(F, realEngine.lossGradientV2(F, v2, data), gradient)).toBeUndefined();
        const H = realEngine.lossHessianV2(F, v2, data);
        expect(firstDifference(F, H, hessianByProducts(F, net, data))).toBeUndefined();
        // The bound holds where float64 keeps the exact activation pattern.
        if (!sameActivationPattern(net, data.inputs, { u: FLOAT64_UNIT_ROUNDOFF })) return;
        bounded++;
        const closed = lossHessian(F, net, data);
        const bound = hessianErrorBound(net, data, { u: FLOAT64_UNIT_ROUNDOFF });
        const outside = H.flatMap((row, i) => row.flatMap((h, j) => (Math.abs(h - closed[i]![j]!) <= 2 * bound[i]![j]! ? [] : [`[${i}][${j}]: ${h} and ${closed[i]![j]}`])));
        expect(outside).toEqual([]);
      }),
      runs(100),
    );
    expect(bounded).toBeGreaterThan(checked / 2);
  });
});

/**
 * The degree in θ of a layer sequence's output, given its input's: every
 * dense, conv2d and batch-norm layer multiplies by a parameter once more
 * (γ·(z − μ)/r + β), activations, pools and flatten keep it on a linear
 * piece, a residual block takes the larger of its body and skip.
 */
function degreeIn(layers: readonly LayerV2<unknown>[], degree = 0): number {
  for (const l of layers) {
    if (l.type === 'dense' || l.type === 'conv2d' || l.type === 'batchnorm') degree += 1;
    else if (l.type === 'residual') degree = Math.max(degreeIn(l.body, degree), l.skip ? degree + 1 : degree);
  }
  return degree;
}

/** Where the network is not affine in its input: each kinked activation and max pool, with the layers (from the input) that feed it. */
interface Probe<T> {
  prefix: LayerV2<T>[];
  layer: LayerV2<T>;
}

function probesOf<T>(layers: readonly LayerV2<T>[], before: readonly LayerV2<T>[] = []): Probe<T>[] {
  return layers.flatMap((layer, k) => {
    const prefix = [...before, ...layers.slice(0, k)];
    if (layer.type === 'residual') return probesOf(layer.body, prefix);
    return (layer.type === 'activation' && layer.activation !== 'linear') || layer.type === 'maxpool2d' ? [{ prefix, layer }] : [];
  });
}

/** For each max-pool window, in order, the flat indices it reads. */
function windows(layer: { size: number; stride: number }, shape: number[]): number[][] {
  const [C, H, W] = shape as [number, number, number];
  const out: number[][] = [];
  const outH = Math.floor((H - layer.size) / layer.stride) + 1;
  const outW = Math.floor((W - layer.size) / layer.stride) + 1;
  for (let c = 0; c < C; c++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const window: number[] = [];
        for (let a = 0; a < layer.size; a++) for (let b = 0; b < layer.size; b++) window.push(c * H * W + (oh * layer.stride + a) * W + ow * layer.stride + b);
        out.push(window);
      }
    }
  }
  return out;
}

/**
 * The linear piece θ lies on: per probe, sample and entry, the sign of a
 * kinked activation's input, or the place of a max-pool window's maximum.
 */
function pieceOf(net: NetworkV2<ExactValue>, inputs: ExactValue[][]): number[][][] {
  return probesOf(net.layers).map(({ prefix, layer }) => {
    const values = forwardV2(T, { inputShape: net.inputShape, layers: prefix }, inputs);
    if (layer.type !== 'maxpool2d') return values.map((row) => row.map((z) => T.sign(z)));
    const shape = sequenceShapes(prefix, net.inputShape).at(-1)!;
    return values.map((row) => windows(layer, shape).map((w) => w.reduce((best, at) => (T.compare(row[at]!, row[best]!) > 0 ? at : best))));
  });
}

/**
 * Whether the network at another θ computes the same polynomial as on
 * `piece`: every kinked activation's input keeps its sign, and every max-pool
 * window's maximum is still (perhaps among others: they are equal) at its place.
 */
function onPiece(net: NetworkV2<ExactValue>, inputs: ExactValue[][], piece: number[][][]): boolean {
  return probesOf(net.layers).every(({ prefix, layer }, p) => {
    const values = forwardV2(T, { inputShape: net.inputShape, layers: prefix }, inputs);
    if (layer.type !== 'maxpool2d') return values.every((row, s) => row.every((z, i) => T.sign(z) === piece[p]![s]![i]));
    const shape = sequenceShapes(prefix, net.inputShape).at(-1)!;
    return values.every((row, s) => windows(layer, shape).every((w, k) => w.every((at) => T.compare(row[at]!, row[piece[p]![s]![k]!]!) <= 0)));
  });
}

const dot = (a: readonly ExactValue[], b: readonly ExactValue[]) => a.reduce((sum, x, i) => T.add(sum, T.mul(x, b[i]!)), T.zero);

/**
 * Along v, on θ's linear piece, L(θ + t·v) is a polynomial of degree
 * 2·degreeIn (mse of outputs of that degree): interpolated exactly at
 * t = h·(i − ⌊d/2⌋), h the largest 2^-4k whose points all stay on the piece,
 * its t coefficient must be ∇L·v and twice its t² coefficient vᵀ(Hv), exactly.
 */
function reverseModeMatchesInterpolation(engine: Engine, { network, dataset }: NetworkV2AndData, direction: readonly number[]): boolean {
  const net = networkV2In(T, network);
  const data = datasetIn(T, dataset);
  const theta = flattenV2(net);
  const v = theta.map((_, i) => T.fromScalar(direction[i % direction.length]!));
  const gradient = offKinks(() => engine.lossGradientV2(T, net, data));
  const hv = engine.lossHessianVectorProductV2(T, net, data, v);
  const degree = 2 * degreeIn(net.layers);
  const at = (t: Fraction) => unflattenV2(net, theta.map((x, i) => T.add(x, T.mul(T.fromScalar(t), v[i]!))));
  const piece = pieceOf(net, data.inputs);
  // The points polynomialDerivatives evaluates at.
  const grid = (h: Fraction) => Array.from({ length: degree + 1 }, (_, i) => h.mul(new Fraction(BigInt(i - Math.floor(degree / 2)), 1n)));
  let h: Fraction | undefined;
  for (let k = 1; k <= 16 && h === undefined; k++) {
    const step = new Fraction(1n, 1n << BigInt(4 * k));
    if (grid(step).every((t) => onPiece(at(t), data.inputs, piece))) h = step;
  }
  fc.pre(h !== undefined);
  const { first, second } = polynomialDerivatives((t) => exactValueToFraction(lossV2(T, at(t), data)), degree, h!);
  return first.equals(exactValueToFraction(dot(gradient, v))) && second.equals(exactValueToFraction(dot(v, hv)));
}

const direction = fc.array(fc.integer({ min: -8, max: 8 }).map((n) => n / 8), { minLength: 13, maxLength: 13 });
const piecewiseLinear = (options: NetworkV2ArbitraryOptions = {}) => networkV2AndDataArbitrary(options, { maxSamples: 2 });

describe('on every layer type the reverse mode matches the exact polynomial L(θ + t·v) interpolated from losses alone', () => {
  // The generator's reach (every layer type, both skips, stride 2, padding 1, both pools, batch norm,
  // bias-free layers) is src/arbitraries/network-v2.test.ts's fc.statistics check.
  it('∇L·v and vᵀHv exactly, on mlp, cnn and resnet networks (convolutions, pools, eval batch norm, both skips)', () => {
    let checked = 0;
    fc.assert(
      fc.property(piecewiseLinear(), direction, (c, v) => {
        const ok = reverseModeMatchesInterpolation(realEngine, c, v);
        checked++;
        expect(ok).toBe(true);
      }),
      runs(100),
    );
    expect(checked).toBeGreaterThan(runs(100).numRuns / 2);
  });
});

/**
 * Mutants: the v2 engine with one line of v2-forward.ts replaced, written
 * with src/autodiff/v2.ts to a temporary directory and imported from there
 * (the sources are read, never edited). Each line must occur exactly once,
 * so a changed engine fails here loudly rather than making a mutant the original.
 */
const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function mutant(line: string, replacement: string): Promise<Engine> {
  const forwardFile = new URL('../src/network/v2-forward.ts', import.meta.url);
  const autodiffFile = new URL('../src/autodiff/v2.ts', import.meta.url);
  const source = readFileSync(forwardFile, 'utf8');
  const count = source.split(line).length - 1;
  if (count !== 1) throw new Error(`mutant: the line occurs ${count} times in v2-forward.ts (expected once): ${line}`);
  const dir = mkdtempSync(join(tmpdir(), 'flatcheck-mutant-'));
  temporary.push(dir);
  // Relative imports become absolute ones, to the real modules, except the engine's own.
  const absolute = (text: string, file: URL) => text.replace(/from '(\.{1,2}\/[^']+)'/g, (_, path: string) => `from '${fileURLToPath(new URL(path, file))}'`);
  writeFileSync(join(dir, 'v2-forward.ts'), absolute(source.replace(line, replacement), forwardFile));
  const real = `from '${fileURLToPath(new URL('../network/v2-forward.js', autodiffFile))}'`;
  const autodiff = absolute(readFileSync(autodiffFile, 'utf8'), autodiffFile);
  if (!autodiff.includes(real)) throw new Error('mutant: src/autodiff/v2.ts no longer imports ../network/v2-forward.js');
  writeFileSync(join(dir, 'v2.ts'), autodiff.replace(real, `from '${join(dir, 'v2-forward.ts')}'`));
  return (await import(join(dir, 'v2.ts'))) as Engine;
}

const layersOf = (net: NetworkV2<unknown>) => featuresOfNetworkV2(net).join(', ');

describe('negative controls: mutants of the engine are caught, on small networks', () => {
  it('a conv backward with the kernel index transposed', async () => {
    const engine = await mutant('const w = (o * C + c) * K + k;', 'const w = (o * C + c) * K + (k % layer.kernelWidth) * layer.kernelWidth + Math.floor(k / layer.kernelWidth);');
    const caught = expectFailure(fc.property(piecewiseLinear({ architecture: 'cnn' }), direction, (c, v) => reverseModeMatchesInterpolation(engine, c, v)), runs(100));
    const net = caught.counterexample[0].network;
    console.info(`transposed conv kernel: caught, ${parameterCountV2(net)} parameters (${layersOf(net)}), seed ${caught.seed}`);
    // A 1×1 kernel is its own transpose.
    expect(featuresOfNetworkV2(net).some((f) => f === 'kernel 2×2' || f === 'kernel 3×3')).toBe(true);
    expect(parameterCountV2(net)).toBeLessThanOrEqual(16);
  });

  it('a max-pool gradient routed to the first entry of its window rather than the maximum', async () => {
    const engine = await mutant('from.push(best);', 'from.push(c * HW + index[p * K]!);');
    const caught = expectFailure(fc.property(piecewiseLinear({ architecture: 'cnn' }), direction, (c, v) => reverseModeMatchesInterpolation(engine, c, v)), runs(100));
    const net = caught.counterexample[0].network;
    console.info(`max-pool routed to the wrong entry: caught, ${parameterCountV2(net)} parameters (${layersOf(net)}), seed ${caught.seed}`);
    expect(featuresOfNetworkV2(net)).toContain('maxpool2d');
    expect(parameterCountV2(net)).toBeLessThanOrEqual(16);
  });

  it('an average-pool backward without its 1/k² share', async () => {
    const engine = await mutant('const part = F.mul(share, v);', 'const part = v;');
    const caught = expectFailure(fc.property(piecewiseLinear({ architecture: 'cnn' }), direction, (c, v) => reverseModeMatchesInterpolation(engine, c, v)), runs(100));
    const net = caught.counterexample[0].network;
    console.info(`avg-pool share dropped: caught, ${parameterCountV2(net)} parameters (${layersOf(net)}), seed ${caught.seed}`);
    expect(featuresOfNetworkV2(net)).toContain('avgpool2d');
    expect(parameterCountV2(net)).toBeLessThanOrEqual(16);
  });

  it('an eval batch-norm backward without the division by √(σ² + ε)', async () => {
    const engine = await mutant('if (layer.mode === \'eval\') return dNormal.map((d) => d.map((v, i) => F.div(v, root[Math.floor(i / Q)]!)));', 'if (layer.mode === \'eval\') return dNormal;');
    const caught = expectFailure(fc.property(piecewiseLinear(), direction, (c, v) => reverseModeMatchesInterpolation(engine, c, v)), runs(100));
    const net = caught.counterexample[0].network;
    console.info(`batch norm without 1/√(σ² + ε): caught, ${parameterCountV2(net)} parameters (${layersOf(net)}), seed ${caught.seed}`);
    expect(featuresOfNetworkV2(net)).toContain('batchnorm eval');
    expect(parameterCountV2(net)).toBeLessThanOrEqual(12);
  });

  it('a residual backward that drops the skip', async () => {
    const engine = await mutant('return a.map((row, s) => row.map((v, i) => F.add(v, b[s]![i]!)));', 'return a;');
    const caught = expectFailure(fc.property(piecewiseLinear({ architecture: 'resnet' }), direction, (c, v) => reverseModeMatchesInterpolation(engine, c, v)), runs(100));
    const net = caught.counterexample[0].network;
    console.info(`residual without its skip: caught, ${parameterCountV2(net)} parameters (${layersOf(net)}), seed ${caught.seed}`);
    expect(featuresOfNetworkV2(net)).toContain('residual');
    expect(parameterCountV2(net)).toBeLessThanOrEqual(24);
  });

  it('a dense backward that drops the bias gradient (caught by the comparison with the v1 closed form)', async () => {
    const engine = await mutant('if (bias) g[bAt + o] = F.add(g[bAt + o]!, v);\n          for (let i = 0; i < I; i++) {', 'for (let i = 0; i < I; i++) {');
    const caught = expectFailure(fc.property(mlps('dyadic'), rawDatasetArbitrary({ maxSamples: 3 }), (raw, rawData) => exactMlpAgrees(engine, raw, datasetIn(T, fitDataset(rawData, shapeOf(raw), 'mse')))), runs(100));
    const shape = shapeOf(caught.counterexample[0]);
    console.info(`dense bias gradient dropped: caught, widths [${shape.sizes.join(', ')}], seed ${caught.seed}`);
    expect(shape.sizes.length).toBe(2);
  });
});
