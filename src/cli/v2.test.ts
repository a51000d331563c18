// flatcheck forward and eval on flatcheck.network/v2 files: exact values equal to
// the v2 core's (forwardV2, lossV2, lossGradientV2, lossHessianV2), float64 values
// inside a rigorous enclosure that also holds the exact ones, tfjs (float32) values
// within the derived rounding bound of float64's, v2 MLPs on the v1 code paths, and
// what an exact engine cannot evaluate refused by name (exit 2); flatcheck
// transform on v2 files (--list, the architecture families, refusals).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fraction } from 'fraction.js';
import type { Field, Scalar } from '../field/field.js';
import type { Dataset } from '../network/types.js';
import { float64Field, FLOAT32_UNIT_ROUNDOFF, FLOAT64_UNIT_ROUNDOFF } from '../field/float64.js';
import { fractionToNumber, rationalField as Q, toFraction } from '../field/rational.js';
import { Rng } from '../field/random.js';
import { datasetIn, networkV2ToJson, parseDataset, parseNetworkV2 } from '../network/index.js';
import { flattenV2, networkV2In, parameterCountV2, unflattenV2, type NetworkV2 } from '../network/v2.js';
import { forwardV2, lossV2 } from '../network/v2-forward.js';
import { parseJsonText } from '../network/json-text.js';
import { lossGradientV2, lossHessianV2 } from '../autodiff/v2.js';
import { forwardErrorBoundV2, gradientErrorBoundV2, hessianErrorBoundV2, lossErrorBoundV2 } from '../autodiff/v2-bounds.js';
import { BACKENDS, initTensorBackend, tf } from '../tensor/backend.js';
import { denseTrace, frobeniusNorm, spectralNorm } from '../curvature/spectral.js';
import { main } from './main.js';
import { DENSE_LIMIT } from './commands/eval.js';

let dir = '';
const path = (name: string) => join(dir, name);
const fixture = (name: string) => join(import.meta.dirname, '../../fixtures/v2', name);
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const json = async (...argv: string[]) => {
  const r = await run(...argv, '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Record<string, unknown>;
};

// ---------------------------------------------------------------------------------------------
// An enclosure of a float64 computation: intervals of doubles, each operation's result widened by
// one ulp on each side. Running the same code as the float64 engine (same operations, same order)
// in this field gives intervals that contain, step by step, both the float64 engine's value (the
// rounded result of an operation on values inside the intervals lies between the rounded results
// at the ends) and the exact value (each exact input lies in its interval). A comparison or sign
// the intervals cannot decide throws, so both computations take the same branches. So
// |float64 − exact| ≤ the width of the enclosure, with no rounding count to trust.

interface Enclosure {
  lo: number;
  hi: number;
}
const bits = new DataView(new ArrayBuffer(8));
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  if (!Number.isFinite(x)) return x;
  bits.setFloat64(0, x);
  bits.setBigUint64(0, bits.getBigUint64(0) + (x > 0 ? 1n : -1n));
  return bits.getFloat64(0);
}
const nextDown = (x: number) => -nextUp(-x);
const point = (x: number): Enclosure => ({ lo: x, hi: x });
const isPointZero = (a: Enclosure) => a.lo === 0 && a.hi === 0;
const widened = (...xs: number[]): Enclosure => ({ lo: nextDown(Math.min(...xs)), hi: nextUp(Math.max(...xs)) });
function undecided(what: string, ...xs: Enclosure[]): never {
  throw new Error(`enclosure: ${what} undecided on ${JSON.stringify(xs)}`);
}
const enclosureField: Field<Enclosure> = {
  name: 'float64',
  exact: false,
  unitRoundoff: FLOAT64_UNIT_ROUNDOFF,
  zero: point(0),
  one: point(1),
  fromScalar: (x: Scalar) => {
    const d = float64Field.fromScalar(x);
    return typeof x === 'number' || toFraction(d).equals(x) ? point(d) : widened(d);
  },
  add: (a, b) => (isPointZero(a) ? b : isPointZero(b) ? a : widened(a.lo + b.lo, a.hi + b.hi)),
  sub: (a, b) => (isPointZero(b) ? a : widened(a.lo - b.hi, a.hi - b.lo)),
  mul: (a, b) => (isPointZero(a) || isPointZero(b) ? point(0) : widened(a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi)),
  div: (a, b) => {
    if (b.lo <= 0 && b.hi >= 0) undecided('division', a, b);
    return isPointZero(a) ? point(0) : widened(a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi);
  },
  neg: (a) => ({ lo: -a.hi, hi: -a.lo }),
  abs: (a) => (a.lo >= 0 ? a : a.hi <= 0 ? { lo: -a.hi, hi: -a.lo } : { lo: 0, hi: Math.max(-a.lo, a.hi) }),
  sign: (a) => (a.lo > 0 ? 1 : a.hi < 0 ? -1 : isPointZero(a) ? 0 : undecided('sign', a)),
  compare: (a, b) => (a.hi < b.lo ? -1 : a.lo > b.hi ? 1 : a.lo === a.hi && b.lo === b.hi && a.lo === b.lo ? 0 : undecided('comparison', a, b)),
  equals: (a, b) => a.lo === b.lo && a.hi === b.hi,
  toNumber: (a) => (a.lo + a.hi) / 2,
  toString: (a) => `[${a.lo}, ${a.hi}]`,
  isFinite: (a) => Number.isFinite(a.lo) && Number.isFinite(a.hi),
  isZero: isPointZero,
  sqrt: (a) => (a.lo < 0 ? undecided('square root', a) : { lo: Math.max(0, nextDown(Math.sqrt(a.lo))), hi: nextUp(Math.sqrt(a.hi)) }),
};
const encloses = (e: Enclosure, x: number | Fraction) => toFraction(e.lo).compare(toFraction(x)) <= 0 && toFraction(e.hi).compare(toFraction(x)) >= 0;

// ---------------------------------------------------------------------------------------------

const CASES = [
  { name: 'conv net (conv2d, eval-mode batchnorm, relu, maxpool, dense)', net: fixture('conv-bn.json'), data: fixture('images-1x4x4.json') },
  { name: 'residual net (eval-mode batchnorm in the body, a strided body with a 1×1 projection skip, avgpool)', net: fixture('residual-bn.json'), data: fixture('images-1x3x3.json') },
];
const load = (c: (typeof CASES)[number]) => ({ net: parseNetworkV2(readFileSync(c.net, 'utf8')), data: parseDataset(readFileSync(c.data, 'utf8')) });

/** A copy of a fixture with one change, written to the temporary directory. */
function variant(name: string, from: string, change: (file: { layers: Record<string, unknown>[] } & Record<string, unknown>) => void): string {
  const file = readJson(from) as { layers: Record<string, unknown>[] } & Record<string, unknown>;
  change(file);
  writeFileSync(path(name), JSON.stringify(file));
  return path(name);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flatcheck-cli-v2-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(CASES)('$name', (c) => {
  const { net, data } = load(c);
  const args = ['--net', c.net, '--data', c.data];
  const exactNet = networkV2In(Q, net);
  const exactData = datasetIn(Q, data);
  const H = lossHessianV2(Q, exactNet, exactData);
  const exactTrace = H.reduce((s, row, i) => s.add(row[i]!), Q.zero);

  it('is not an MLP, and the exact Hessian has no kink to refuse', () => {
    expect(net.inputShape).toHaveLength(3);
    expect(H).toHaveLength(parameterCountV2(net));
  });

  it('forward --field rational: forwardV2 and lossV2 in rationals, as "p/q" strings', async () => {
    const out = await json('forward', ...args, '--field', 'rational');
    expect(out).toEqual({ outputs: forwardV2(Q, exactNet, exactData.inputs).map((r) => r.map((x) => x.toFraction())), loss: lossV2(Q, exactNet, exactData).toFraction() });
  });

  it('eval --engine rational: hessian-trace is the trace of lossHessianV2 exactly; Frobenius², ‖∇L‖² and the loss too', async () => {
    expect(await json('eval', ...args, '--metric', 'hessian-trace', '--engine', 'rational')).toEqual({ metric: 'hessian-trace', engine: 'rational', value: exactTrace.toFraction(), approx: fractionToNumber(exactTrace) });
    expect((await json('eval', ...args, '--metric', 'hessian-frobenius', '--engine', 'rational')).squared).toBe(H.flat().reduce((s, h) => s.add(h.mul(h)), Q.zero).toFraction());
    expect((await json('eval', ...args, '--metric', 'gradient-norm', '--engine', 'rational')).squared).toBe(lossGradientV2(Q, exactNet, exactData).reduce((s, g) => s.add(g.mul(g)), Q.zero).toFraction());
    expect((await json('eval', ...args, '--metric', 'loss')).value).toBe(lossV2(Q, exactNet, exactData).toFraction());
    const spectral = await json('eval', ...args, '--metric', 'hessian-spectral-norm', '--engine', 'rational');
    expect(spectral).toMatchObject({ method: 'dense', value: spectralNorm(H.map((r) => r.map(fractionToNumber))) });
  });

  it('float64: outputs, loss and the Hessian trace lie in the enclosure that holds the exact values, and it is narrow', async () => {
    const E = enclosureField;
    const encNet = networkV2In(E, net);
    const encData = datasetIn(E, data);
    const forward = await json('forward', ...args, '--field', 'float64');
    const outputs = forwardV2(E, encNet, encData.inputs);
    const exactOutputs = forwardV2(Q, exactNet, exactData.inputs);
    outputs.forEach((row, s) =>
      row.forEach((e, o) => {
        expect(encloses(e, (forward.outputs as number[][])[s]![o]!)).toBe(true);
        expect(encloses(e, exactOutputs[s]![o]!)).toBe(true);
      }),
    );
    const lossE = lossV2(E, encNet, encData);
    expect(encloses(lossE, forward.loss as number) && encloses(lossE, lossV2(Q, exactNet, exactData))).toBe(true);

    const trace = await json('eval', ...args, '--metric', 'hessian-trace', '--engine', 'float64');
    expect(trace.method).toBe('dense');
    // The float64 engine's own steps: the symmetrised HVP Hessian, then denseTrace's sum in its order.
    const HE = lossHessianV2(E, encNet, encData);
    const traceE = HE.reduce((s, row, i) => E.add(s, row[i]!), E.zero);
    expect(encloses(traceE, trace.value as number), `${trace.value} outside [${traceE.lo}, ${traceE.hi}]`).toBe(true);
    expect(encloses(traceE, exactTrace)).toBe(true);
    // So |float64 − exact| ≤ the width, under 10⁻¹⁰ of the trace here: a bound that would catch any real error.
    const width = traceE.hi - traceE.lo;
    expect(Math.abs((trace.value as number) - fractionToNumber(exactTrace))).toBeLessThanOrEqual(width);
    expect(width).toBeLessThan(1e-10 * Math.abs(fractionToNumber(exactTrace)));
  });

  it('float64 Frobenius and spectral norms: the dense float64 Hessian of lossHessianV2', async () => {
    const H64 = lossHessianV2(float64Field, networkV2In(float64Field, net), datasetIn(float64Field, data));
    expect(await json('eval', ...args, '--metric', 'hessian-frobenius', '--engine', 'float64')).toEqual({ metric: 'hessian-frobenius', engine: 'float64', value: frobeniusNorm(H64), method: 'dense' });
    expect((await json('eval', ...args, '--metric', 'hessian-spectral-norm', '--engine', 'float64')).value).toBe(spectralNorm(H64));
    expect((await json('eval', ...args, '--metric', 'hessian-trace', '--engine', 'float64')).value).toBe(denseTrace(H64));
  });

  it('ε-sharpness: a lower bound from float64, its argmax re-checked exactly', async () => {
    const out = await json('eval', ...args, '--metric', 'keskar-sharpness', '--epsilon', '1/1000');
    expect(out.argmax).toHaveLength(parameterCountV2(net));
    expect(out.exact).toMatchObject({ feasible: true });
    expect(Math.abs((out.exact as { approx: number }).approx - (out.value as number))).toBeLessThanOrEqual(1e-9 * (1 + (out.value as number)));
  });

  it('the text output (no --json) says the same', async () => {
    const r = await run('eval', ...args, '--metric', 'hessian-trace');
    expect(r.out).toBe(`hessian-trace (rational): ${exactTrace.toFraction()} ≈ ${fractionToNumber(exactTrace)}`);
    const f = await run('forward', ...args);
    expect(f.out.split('\n').at(-1)).toBe(`loss (mse, rational): ${lossV2(Q, exactNet, exactData).toFraction()}`);
  });
});

describe('what an exact engine cannot evaluate, and what does not fit, is refused by name (exit 2)', () => {
  const conv = fixture('conv-bn.json');
  const images = fixture('images-1x4x4.json');
  const expectRefused = (r: { code: number; err: string }, verb: string, ...named: string[]) => {
    expect(r.code, r.err).toBe(2);
    expect(r.err.startsWith(`flatcheck ${verb}: `), r.err).toBe(true);
    expect(r.err).not.toMatch(/\n\s+at /);
    for (const n of named) expect(r.err).toContain(n);
  };

  it('a train-mode batch norm in the exact engine names layers[1].mode; float64 evaluates it', async () => {
    const train = variant('train.json', conv, (f) => Object.assign(f.layers[1]!, { mode: 'train' }));
    expectRefused(await run('eval', '--net', train, '--data', images, '--metric', 'hessian-trace', '--engine', 'rational'), 'eval', '--engine: expected an input exact rationals can evaluate, but layers[1].mode is "train"', 'got "rational"');
    expectRefused(await run('forward', '--net', train, '--data', images), 'forward', '--field: ', 'layers[1].mode is "train"');
    const f = await json('eval', '--net', train, '--data', images, '--metric', 'hessian-trace', '--engine', 'float64');
    expect(Number.isFinite(f.value)).toBe(true);
  });

  it('an eval-mode batch norm whose σ² + ε is not a rational square names the field', async () => {
    const irrational = variant('irrational.json', conv, (f) => Object.assign(f.layers[1]!, { runningVariance: [1, '5/4'] }));
    for (const [verb, flag] of [['eval', '--engine'], ['forward', '--field']] as const) {
      const r = await run(verb, '--net', irrational, '--data', images, ...(verb === 'eval' ? ['--metric', 'loss', '--engine', 'rational'] : ['--field', 'rational']));
      expectRefused(r, verb, `${flag}: expected an input exact rationals can evaluate, but layers[1].runningVariance[0] + layers[1].epsilon[0] = 2 is not the square of a rational`);
    }
    expect((await json('forward', '--net', irrational, '--data', images, '--field', 'float64')).outputs).toHaveLength(3);
  });

  it('a shape error names the layer and the field: --net: layers[0].weights', async () => {
    const mismatch = variant('channels.json', conv, (f) => (f.inputShape = [2, 4, 4]));
    expectRefused(await run('forward', '--net', mismatch, '--data', images), 'forward', '--net: layers[0].weights: expected 2 input channels per filter');
    const noFlatten = variant('no-flatten.json', conv, (f) => f.layers.splice(4, 1));
    expectRefused(await run('eval', '--net', noFlatten, '--data', images, '--metric', 'loss'), 'eval', '--net: layers[4].type: expected a layer for a [n] input (it sees [2, 2, 2]: put a flatten before it)');
  });

  it('data that does not fit: input rows of the wrong size, a network without a vector output', async () => {
    const small = fixture('images-1x3x3.json');
    expectRefused(await run('forward', '--net', conv, '--data', small), 'forward', '--data: inputs[0]: expected rows of length 16 (the network\'s inputShape [1, 4, 4], flattened in C·H·W order), got length 9');
    const spatial = variant('spatial-out.json', conv, (f) => f.layers.splice(4, 2));
    expectRefused(await run('forward', '--net', spatial, '--data', images), 'forward', '--net: layers: expected a network whose output is a vector for a loss');
  });

  it('a loss past the float32 range in tfjs (finite in float64) names --field / --engine tfjs and float32', async () => {
    // An output near 10³⁰ fits float32 (to 3.4·10³⁸); its square in the mse does not.
    const huge = variant('huge.json', conv, (f) => Object.assign(f.layers[5]!, { bias: [1e30, 0] }));
    expect(Number.isFinite((await json('forward', '--net', huge, '--data', images, '--field', 'float64')).loss)).toBe(true);
    expectRefused(await run('forward', '--net', huge, '--data', images, '--field', 'tfjs'), 'forward', '--field: ', 'past the float32 range', 'got "tfjs"');
    expectRefused(await run('eval', '--net', huge, '--data', images, '--metric', 'loss', '--engine', 'tfjs'), 'eval', '--engine: ', 'past the float32 range', 'got "tfjs"');
  });

  it('a pre-activation exactly 0 in the numbers as written is a kink in every engine', async () => {
    // The relu's input at sample 0, unit 0 is x₀ − x₁ = 0.1 − 0.1 = 0.
    const kinked = path('kink.json');
    writeFileSync(kinked, JSON.stringify({ format: 'flatcheck.network/v2', inputShape: [1, 1, 2], layers: [{ type: 'flatten' }, { type: 'dense', weights: [[1, -1], [1, 1]], bias: [0, 1] }, { type: 'activation', activation: 'relu' }, { type: 'dense', weights: [[1, 2]] }] }));
    writeFileSync(path('kink-data.json'), JSON.stringify({ format: 'flatcheck.dataset/v1', loss: 'mse', inputs: [[0.1, 0.1], [1, 2]], targets: [[0], [1]] }));
    for (const engine of ['rational', 'float64', 'tfjs']) {
      expectRefused(await run('eval', '--net', kinked, '--data', path('kink-data.json'), '--metric', 'hessian-trace', '--engine', engine), 'eval', 'derivative undefined here: sample 0, layers[2], unit 0 has pre-activation exactly 0 at a kink');
    }
    // The loss has no derivative to be undefined: computed exactly there.
    const { net, data } = { net: parseNetworkV2(readFileSync(kinked, 'utf8')), data: parseDataset(readFileSync(path('kink-data.json'), 'utf8')) };
    expect((await json('eval', '--net', kinked, '--data', path('kink-data.json'), '--metric', 'loss')).value).toBe(lossV2(Q, networkV2In(Q, net), datasetIn(Q, data)).toFraction());
  });
});

// ---------------------------------------------------------------------------------------------
// The tfjs engine (TensorProblemV2, float32) against float64 on the same doubles. The tolerance is
// derived, not guessed: the running-error bound of autodiff/v2-bounds.ts with u = u32 + u64 and the
// leaves' rounding to float32 bounds |float32 − exact| + |float64 − exact| ≥ |tfjs − float64| entrywise
// for the outputs, the loss, ∇L and the dense Hessian (float32 epsilon times the computation's own
// condition, carried through every operation). Here it is 10⁻⁴–10⁻⁶ of the values' size: each test also
// checks it stays under 10⁻³ of it, and that a changed network lands outside it.

const TENSOR_ENGINES = { u: FLOAT32_UNIT_ROUNDOFF + FLOAT64_UNIT_ROUNDOFF, inputPerturbation: FLOAT32_UNIT_ROUNDOFF };
type FixtureFile = Parameters<Parameters<typeof variant>[2]>[0];
/** `make` turns the fixture into the network under test (none: the fixture itself); `perturb` changes that network for the negative control. */
const TENSOR_CASES: { name: string; file: string; from: string; data: string; make?: (f: FixtureFile) => void; perturb: (f: FixtureFile) => void }[] = [
  // Perturbed: the same network with eval-mode batch norm, so tfjs must really use the batch's statistics.
  { name: 'conv2d, train-mode batchnorm, relu, maxpool, dense', file: 'tf-train', from: fixture('conv-bn.json'), data: fixture('images-1x4x4.json'), make: (f) => Object.assign(f.layers[1]!, { mode: 'train' }), perturb: (f) => Object.assign(f.layers[1]!, { mode: 'eval' }) },
  // Perturbed: the projection skip's first bias 1/9 → 1/8.
  { name: 'residual blocks (eval-mode batchnorm, strided body, 1×1 projection skip), avgpool', file: 'tf-residual', from: fixture('residual-bn.json'), data: fixture('images-1x3x3.json'), perturb: (f) => Object.assign((f.layers[1] as { skip: Record<string, unknown> }).skip, { bias: ['1/8', 0] }) },
];
const maxAbs = (xs: readonly number[]) => xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe.each(TENSOR_CASES)('tfjs on a v2 network: $name', (c) => {
  const files = { net: '', changed: '' };
  // The doubles both engines start from (tfjs rounds them to float32), set once the files are written.
  const ctx = {} as { net: NetworkV2<number>; data: Dataset<number> };
  beforeAll(() => {
    files.net = c.make ? variant(`${c.file}.json`, c.from, c.make) : c.from;
    files.changed = variant(`${c.file}-changed.json`, files.net, c.perturb);
    ctx.net = networkV2In(float64Field, parseNetworkV2(readFileSync(files.net, 'utf8')));
    ctx.data = datasetIn(float64Field, parseDataset(readFileSync(c.data, 'utf8')));
  });
  const args = (changed = false) => ['--net', changed ? files.changed : files.net, '--data', c.data];

  it('forward --field tfjs: outputs and loss within the bound of float64\'s, the backend named; the changed network outside it', async () => {
    const f64 = await json('forward', ...args(), '--field', 'float64');
    const f32 = await json('forward', ...args(), '--field', 'tfjs');
    expect(BACKENDS).toContain(f32.backend);
    expect(f64.backend).toBeUndefined();
    const outputBound = forwardErrorBoundV2(ctx.net, ctx.data, TENSOR_ENGINES)!;
    const lossBound = lossErrorBoundV2(ctx.net, ctx.data, TENSOR_ENGINES)!;
    expect(outputBound).toBeDefined();
    const [o64, o32] = [f64.outputs as number[][], f32.outputs as number[][]];
    o64.forEach((row, s) => row.forEach((x, o) => expect(Math.abs(o32[s]![o]! - x), `output ${s}, ${o}`).toBeLessThanOrEqual(outputBound[s]![o]!)));
    expect(Math.abs((f32.loss as number) - (f64.loss as number))).toBeLessThanOrEqual(lossBound);
    expect(maxAbs(outputBound.flat())).toBeLessThan(1e-3 * maxAbs(o64.flat()));
    expect(lossBound).toBeLessThan(1e-3 * (f64.loss as number));
    // The comparison can fail: the changed network's tfjs outputs and loss are outside the bound.
    const changed = await json('forward', ...args(true), '--field', 'tfjs');
    expect(o64.some((row, s) => row.some((x, o) => Math.abs((changed.outputs as number[][])[s]![o]! - x) > outputBound[s]![o]!))).toBe(true);
    expect(Math.abs((changed.loss as number) - (f64.loss as number))).toBeGreaterThan(lossBound);
    const text = await run('forward', ...args(), '--field', 'tfjs');
    expect(text.out.split('\n').at(-1)).toBe(`loss (mse, tfjs/${f32.backend as string}): ${f32.loss as number}`);
  });

  it('eval --engine tfjs: loss, gradient norm and the dense Hessian metrics within the bound of float64\'s; the changed network outside it', async () => {
    const both = async (metric: string, changed = false) => {
      const [a, b] = [await json('eval', ...args(), '--metric', metric, '--engine', 'float64'), await json('eval', ...args(changed), '--metric', metric, '--engine', 'tfjs')];
      expect(b.engine).toBe('tfjs');
      expect(b.method).toBe(a.method);
      return { f64: a.value as number, f32: b.value as number };
    };
    const loss = await both('loss');
    expect(Math.abs(loss.f32 - loss.f64)).toBeLessThanOrEqual(lossErrorBoundV2(ctx.net, ctx.data, TENSOR_ENGINES)!);
    // |‖a‖ − ‖b‖| ≤ ‖a − b‖ ≤ ‖entrywise bound‖, plus float64's own rounding of the two norms (≤ P·u64 relative, 10⁻¹² covers it).
    const g = await both('gradient-norm');
    const gradientBound = Math.hypot(...gradientErrorBoundV2(ctx.net, ctx.data, TENSOR_ENGINES)!);
    expect(Math.abs(g.f32 - g.f64)).toBeLessThanOrEqual(gradientBound + 1e-12 * g.f64);
    expect(gradientBound).toBeLessThan(1e-3 * g.f64);
    // The Hessians: |tr A − tr B| ≤ Σ Bᵢᵢ; |‖A‖_F − ‖B‖_F| ≤ ‖A − B‖_F; Weyl, |‖A‖₂ − ‖B‖₂| ≤ ‖A − B‖₂ ≤ ‖A − B‖_F;
    // plus float64's rounding of the trace, norm and eigenvalues of both (about P·u64·‖H‖_F, under 10⁻¹² of it).
    const B = hessianErrorBoundV2(ctx.net, ctx.data, TENSOR_ENGINES)!;
    expect(B).toBeDefined();
    const H = lossHessianV2(float64Field, ctx.net, ctx.data);
    const own = 1e-12 * frobeniusNorm(H);
    const bounds = { 'hessian-trace': denseTrace(B) + own, 'hessian-frobenius': frobeniusNorm(B) + own, 'hessian-spectral-norm': frobeniusNorm(B) + own };
    expect(frobeniusNorm(B)).toBeLessThan(1e-3 * frobeniusNorm(H));
    for (const [metric, bound] of Object.entries(bounds)) {
      const m = await both(metric);
      expect(Math.abs(m.f32 - m.f64), metric).toBeLessThanOrEqual(bound);
    }
    // The comparison can fail: on the changed network the tfjs loss, trace and spectral norm fall outside the bound.
    const changedLoss = await both('loss', true);
    expect(Math.abs(changedLoss.f32 - changedLoss.f64)).toBeGreaterThan(lossErrorBoundV2(ctx.net, ctx.data, TENSOR_ENGINES)!);
    for (const metric of ['hessian-trace', 'hessian-spectral-norm'] as const) {
      const m = await both(metric, true);
      expect(Math.abs(m.f32 - m.f64), metric).toBeGreaterThan(bounds[metric]);
    }
  });

  it('keskar-sharpness --engine tfjs: the float32 value within the loss bounds of float64\'s at the same argmax', async () => {
    const out = await json('eval', ...args(), '--metric', 'keskar-sharpness', '--epsilon', '1/1000', '--engine', 'tfjs');
    expect(out.engine).toBe('tfjs');
    const z = out.argmax as number[];
    const theta = flattenV2(ctx.net);
    expect(z).toHaveLength(theta.length);
    // v = 100·(L(θ + z) − L(θ))/(1 + L(θ)) from float32 losses, each within its bound b of float64's:
    // |v₃₂ − v₆₄| ≤ (100·(b₁ + b₀) + |v₆₄|·b₀)/(1 + L(θ) − b₀), plus float64's rounding of the quotient.
    const moved = unflattenV2(ctx.net, theta.map((t, i) => t + z[i]!));
    const [L0, L1] = [lossV2(float64Field, ctx.net, ctx.data), lossV2(float64Field, moved, ctx.data)];
    const [b0, b1] = [lossErrorBoundV2(ctx.net, ctx.data, TENSOR_ENGINES)!, lossErrorBoundV2(moved, ctx.data, TENSOR_ENGINES)!];
    const v64 = (100 * (L1 - L0)) / (1 + L0);
    const tolerance = (100 * (b0 + b1) + Math.abs(v64) * b0) / (1 + L0 - b0) + 1e-12 * Math.abs(v64);
    expect(v64).toBeGreaterThan(0);
    expect(Math.abs((out.value as number) - v64)).toBeLessThanOrEqual(tolerance);
    expect(tolerance).toBeLessThan(0.05 * v64);
    // Exactly evaluable (no train-mode batch norm): the argmax re-checked in rationals.
    if (!c.make) expect(out.exact).toMatchObject({ feasible: true });
    else expect(out.exact).toBeUndefined();
  });
});

describe('the tfjs engine on v2 networks leaves no tensors', () => {
  it('forward, every curvature metric and a sharpness run leave tf.memory().numTensors unchanged', async () => {
    await initTensorBackend();
    const argsOf = (c: (typeof CASES)[number]) => ['--net', c.net, '--data', c.data];
    const [first] = CASES as [(typeof CASES)[number]];
    await json('forward', ...argsOf(first), '--field', 'tfjs'); // the backend's first use may allocate its own state
    const before = tf.memory().numTensors;
    for (const c of CASES) {
      await json('forward', ...argsOf(c), '--field', 'tfjs');
      for (const metric of ['loss', 'gradient-norm', 'hessian-trace', 'hessian-frobenius', 'hessian-spectral-norm']) await json('eval', ...argsOf(c), '--metric', metric, '--engine', 'tfjs');
      await json('eval', ...argsOf(c), '--metric', 'ball-sharpness', '--epsilon', '1/1000', '--engine', 'tfjs');
    }
    // A refusal after the tensors were made (a loss past float32) disposes them too.
    const huge = variant('huge-leak.json', first.net, (f) => Object.assign(f.layers[5]!, { bias: [1e30, 0] }));
    expect((await run('eval', '--net', huge, '--data', first.data, '--metric', 'loss', '--engine', 'tfjs')).code).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a v2 file of an MLP runs on the v1 code paths', () => {
  const v1 = { format: 'flatcheck.network/v1', inputSize: 2, layers: [{ weights: [[1, '-1/2'], ['3/4', 2]], bias: [0, '1/3'], activation: 'relu' }, { weights: [[1, -1]], activation: 'linear' }] };
  const v2 = { format: 'flatcheck.network/v2', inputShape: [2], layers: [{ type: 'dense', weights: [[1, '-1/2'], ['3/4', 2]], bias: [0, '1/3'] }, { type: 'activation', activation: 'relu' }, { type: 'dense', weights: [[1, -1]] }] };
  const smooth = { format: 'flatcheck.dataset/v1', loss: 'mse', inputs: [[1, 3], ['1/2', -1]], targets: [[0], [1]] };

  it('the same outputs, metrics and messages as the v1 file, the tfjs engine included', async () => {
    writeFileSync(path('v1.json'), JSON.stringify(v1));
    writeFileSync(path('v2-mlp.json'), JSON.stringify(v2));
    writeFileSync(path('smooth.json'), JSON.stringify(smooth));
    const both = async (...argv: string[]) => {
      const [a, b] = [await run(argv[0]!, '--net', path('v1.json'), ...argv.slice(1)), await run(argv[0]!, '--net', path('v2-mlp.json'), ...argv.slice(1))];
      expect(b).toEqual(a);
      return a;
    };
    expect((await both('forward', '--data', path('smooth.json'), '--json')).code).toBe(0);
    expect(JSON.parse((await both('eval', '--data', path('smooth.json'), '--metric', 'hessian-trace', '--json')).out).value).toBe('9277/144');
    expect(JSON.parse((await both('eval', '--data', path('smooth.json'), '--metric', 'hessian-trace', '--engine', 'tfjs', '--json')).out).value).toBeCloseTo(9277 / 144, 4);
    expect((await both('forward', '--data', fixture('images-1x3x3.json'))).err).toContain('--data: inputs[0]: expected rows of length 2 (the network\'s inputSize)');
  });
});

describe(`a v2 network above ${DENSE_LIMIT} parameters: Hessian-vector products, each saying its method`, () => {
  const rng = new Rng(3);
  const r = (n: number) => Array.from({ length: n }, () => Math.round(rng.normal() * 256) / 1024);
  const net: NetworkV2<number> = {
    inputShape: [1, 4, 4],
    layers: [
      { type: 'conv2d', inChannels: 1, outChannels: 4, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1, weights: r(36), bias: r(4) },
      { type: 'batchnorm', mode: 'eval', gamma: [1, 0.5, 2, 1.5], beta: r(4), runningMean: r(4), runningVariance: [3, 8, 0.25, 1], epsilon: [1, 1, 0.75, 3] },
      { type: 'activation', activation: 'relu' },
      { type: 'flatten' },
      { type: 'dense', inputs: 64, outputs: 15, weights: r(960), bias: r(15) },
      { type: 'activation', activation: 'relu' },
      { type: 'dense', inputs: 15, outputs: 1, weights: r(15), bias: r(1) },
    ],
  };
  const data = { loss: 'mse' as const, inputs: [r(16), r(16), r(16)], targets: [[1], [0], [-1]] };
  const P = parameterCountV2(net);
  let dense: number[][] | undefined;
  const denseHessian = () => (dense ??= lossHessianV2(float64Field, net, data));

  it('Lanczos for the spectral norm, Hutch++ for the trace, Hutchinson for Frobenius: each near the dense float64 value by its own error measure', async () => {
    expect(P).toBeGreaterThan(DENSE_LIMIT);
    writeFileSync(path('big.json'), JSON.stringify(networkV2ToJson(float64Field, net)));
    writeFileSync(path('big-data.json'), JSON.stringify({ format: 'flatcheck.dataset/v1', ...data }));
    const args = ['--net', path('big.json'), '--data', path('big-data.json'), '--engine', 'float64'];
    const H = denseHessian();
    const spectral = await json('eval', ...args, '--metric', 'hessian-spectral-norm');
    expect(spectral).toMatchObject({ method: 'lanczos', converged: true });
    // |λ − value| ≤ residual for some eigenvalue λ; the top one here, as Lanczos finds the extremes first (plus the rounding of two float64 Hessians).
    expect(Math.abs((spectral.value as number) - spectralNorm(H))).toBeLessThanOrEqual((spectral.residual as number) + 1e-9 * spectralNorm(H));
    const trace = await json('eval', ...args, '--metric', 'hessian-trace');
    expect(trace.method).toBe('hutch++');
    expect(Math.abs((trace.value as number) - denseTrace(H))).toBeLessThanOrEqual(5 * (trace.standardError as number));
    const frobenius = await json('eval', ...args, '--metric', 'hessian-frobenius');
    expect(frobenius.method).toBe('hutchinson');
    expect(Math.abs((frobenius.value as number) - frobeniusNorm(H))).toBeLessThanOrEqual(5 * (frobenius.standardError as number));
  });

  it('tfjs above the limit: Lanczos on its float32 HVPs, within the residual plus the float32 Hessian bound of the dense float64 value', async () => {
    const args = ['--net', path('big.json'), '--data', path('big-data.json'), '--engine', 'tfjs'];
    const spectral = await json('eval', ...args, '--metric', 'hessian-spectral-norm');
    expect(spectral).toMatchObject({ engine: 'tfjs', method: 'lanczos', converged: true });
    const H = denseHessian();
    // Each float32 HVP forms the same products as a column of the dense Hessian, bounded entrywise by B: so the operator
    // Lanczos sees is within about ‖B‖_F of H (Weyl), the value within the residual of one of its eigenvalues, plus Lanczos's own float64 rounding.
    const B = hessianErrorBoundV2(net, data, TENSOR_ENGINES)!;
    expect(frobeniusNorm(B)).toBeLessThan(1e-3 * spectralNorm(H));
    expect(Math.abs((spectral.value as number) - spectralNorm(H))).toBeLessThanOrEqual((spectral.residual as number) + frobeniusNorm(B) + 1e-9 * spectralNorm(H));
    expect((await json('eval', ...args, '--metric', 'hessian-trace')).method).toBe('hutch++');
  });
});

describe('help', () => {
  it('help forward and help eval say they take flatcheck.network/v1 or v2 in every engine, tfjs included', async () => {
    for (const verb of ['forward', 'eval']) {
      const text = (await run('help', verb)).out;
      expect(text).toContain('flatcheck.network/v1 or v2, every engine; tfjs: float32');
      expect(text).not.toContain('MLPs only');
    }
  });
});

const read = (file: string) => networkV2In(Q, parseNetworkV2(parseJsonText(readFileSync(file, 'utf8'), file)));

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
