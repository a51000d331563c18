// The Keskar experiment's fast version (one seed, few epochs, a
// small net) must show the reversal with outputs identical exactly, keep
// accuracies and invariant metrics, catch non-symmetries, and reproduce
// itself from its seed. The full run belongs to `flatcheck experiment keskar`.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { float64Field, FLOAT32_UNIT_ROUNDOFF } from '../field/float64.js';
import { powerOfTwo } from '../field/rational.js';
import { InputError } from '../field/errors.js';
import { networkIn, parseDataset, parseNetwork } from '../network/index.js';
import { flatten, unflatten } from '../network/flat.js';
import { shapeOf } from '../network/types.js';
import { describeSymmetry, unvalidatedSymmetryMap, type Symmetry } from '../symmetry/index.js';
import { tf } from '../tensor/backend.js';
import { main } from '../cli/main.js';
import { irisDatasetJson, splitDataset } from './data.js';
import { trainNetwork } from './train.js';
import { MEASURE_IDS } from './measure.js';
import { checkExactly } from './reversal.js';
import { runKeskarExperiment } from './keskar.js';
import type { KeskarExperiment, KeskarOptions } from './keskar-types.js';

const FAST: KeskarOptions = { seeds: 1, sizes: [[8]], maxEpochs: 30, restarts: 1, iterations: 10, splitSeed: 11 };
const seedNote = `(split seed ${FAST.splitSeed}, training seed 1)`;

let first: KeskarExperiment;
beforeAll(async () => {
  first = await runKeskarExperiment(FAST);
});

describe('the Iris data through flatcheck.dataset/v1', () => {
  it('is 150 samples of 4 features in 3 classes, split 120/30 stratified (10 test samples per class) and standardised on the train set', () => {
    const data = parseDataset(irisDatasetJson());
    expect(data.inputs).toHaveLength(150);
    const split = splitDataset(irisDatasetJson(), { testFraction: 0.2, seed: 3 });
    expect([split.train.inputs.length, split.test.inputs.length]).toEqual([120, 30]);
    for (let c = 0; c < 3; c++) expect(split.test.targets.filter((t) => t === c)).toHaveLength(10);
    for (let j = 0; j < 4; j++) {
      const mean = split.train.inputs.reduce((s, x) => s + x[j]!, 0) / 120;
      // Float32 rounding of each input moves the mean by at most 2^-24 relative per entry.
      expect(Math.abs(mean)).toBeLessThanOrEqual(4 * FLOAT32_UNIT_ROUNDOFF);
    }
  });

  it('rejects a dataset that is not a classification, naming the field', () => {
    const mse = { format: 'flatcheck.dataset/v1', loss: 'mse', inputs: [[1], [2]], targets: [[1], [2]] };
    expect(() => splitDataset(mse, { testFraction: 0.2, seed: 1 })).toThrow(InputError);
    expect(() => splitDataset(mse, { testFraction: 0.2, seed: 1 })).toThrow(/^loss: /);
  });
});

describe('training', () => {
  it('leaves no tensor behind and is reproducible from its seed', async () => {
    const split = splitDataset(irisDatasetJson(), { testFraction: 0.2, seed: 1 });
    const opts = { hidden: [4], batchSize: 8, learningRate: 0.01, maxEpochs: 3, patience: 5, minImprovement: 1e-4, seed: 5 };
    const a = await trainNetwork(split.train, 3, opts);
    const before = tf.memory().numTensors;
    const b = await trainNetwork(split.train, 3, opts);
    expect(tf.memory().numTensors, `seed ${opts.seed}`).toBe(before);
    expect(flatten(b.net), `seed ${opts.seed}`).toEqual(flatten(a.net));
    // Float32 weights: every one is its own float32 rounding.
    expect(flatten(a.net).every((w) => Math.fround(w) === w)).toBe(true);
  });
});

describe('the fast Keskar pipeline: the reversal, with every prediction unchanged', () => {
  it('sharpens the small-batch net past the large-batch one by every measure, by a layer-scale and by a neuron-scale', () => {
    expect(first.ok, seedNote).toBe(true);
    for (const pair of first.pairs) {
      const large = first.rows.find((r) => r.batch === 'large' && r.state === 'original' && r.seed === pair.seed)!;
      for (const row of first.rows.filter((r) => r.role === 'sharpened' && r.seed === pair.seed)) {
        for (const k of MEASURE_IDS) expect(row.values[k], `${row.network} ${row.state} ${k} ${seedNote}`).toBeGreaterThan(large.values[k]);
      }
      expect(pair.sharpened['layer-scale'].everyMeasure && pair.sharpened['neuron-scale'].everyMeasure, seedNote).toBe(true);
    }
  });

  it('proves the outputs identical exactly on every train and test sample, with unchanged accuracies, for all four transformations', () => {
    const transformed = first.rows.filter((r) => r.state !== 'original');
    expect(transformed).toHaveLength(4);
    for (const row of transformed) {
      const exact = row.exact!;
      expect(exact.outputsIdentical && exact.weightsExact, `${row.network} ${row.state} ${seedNote}`).toBe(true);
      expect(exact.samples).toBe(150);
      expect(exact.accuracy.train[1]).toBe(exact.accuracy.train[0]);
      expect(exact.accuracy.test[1]).toBe(exact.accuracy.test[0]);
    }
  });

  it('leaves every invariant metric of the registry within its derived tolerance, so their ranking stands', () => {
    for (const row of first.rows.filter((r) => r.state !== 'original')) {
      for (const [id, v] of Object.entries(row.invariant)) expect(v.unchanged, `${id} on ${row.network} ${row.state}: ${v.value} (tolerance ${v.tolerance}) ${seedNote}`).toBe(true);
    }
    for (const pair of first.pairs) expect(Object.values(pair.invariantRankingKept).every(Boolean), seedNote).toBe(true);
  });

  it('catches non-symmetries: α = (−1, −1) (product 1, but negative) and the output layer alone scaled by 2 change the outputs', () => {
    const split = splitDataset(irisDatasetJson(), { testFraction: 0.2, seed: FAST.splitSeed! });
    const small = first.networks.find((n) => n.name.endsWith('small.original.network.json'))!;
    const net = networkIn(float64Field, parseNetwork(small.json));
    const controls: Symmetry[] = [
      { kind: 'layer-scale', alphas: [powerOfTwo(0).neg(), powerOfTwo(0).neg()] },
      { kind: 'layer-scale', alphas: [powerOfTwo(0), powerOfTwo(1)] },
    ];
    for (const sym of controls) {
      const map = unvalidatedSymmetryMap(float64Field, shapeOf(net), sym);
      const theta = flatten(net);
      const wrong = unflatten(net, map.source.map((j, i) => map.scale[i]! * theta[j]!));
      const check = checkExactly(net, wrong, sym, split, undefined, true);
      expect(check.weightsExact).toBe(true);
      expect(check.outputsIdentical, `${describeSymmetry(sym)} ${seedNote}`).toBe(false);
    }
  });

  it('reproduces itself: a second run from the same seeds gives the same table, JSON and figures', async () => {
    const second = await runKeskarExperiment(FAST);
    expect(second.json).toEqual(first.json);
    expect(second.markdown).toBe(first.markdown);
    expect(second.figures).toEqual(first.figures);
  });

  it('draws its figures with data marks', () => {
    expect(first.figures.map((f) => f.name)).toEqual(['sharpness.svg', 'spectrum.svg']);
    for (const f of first.figures) expect(f.svg).toMatch(/<path[^>]*aria-roledescription="(point|line mark)/);
  });
});

describe('flatcheck experiment keskar (CLI)', () => {
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('a bad --data file: exit 2, a message naming the field, and --out left untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flatcheck-keskar-'));
    try {
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ format: 'flatcheck.dataset/v1', loss: 'cross-entropy', inputs: [[1, 2], [3, 'x']], targets: [0, 1] }));
      const out = join(dir, 'out');
      const r = await run(['experiment', 'keskar', '--data', bad, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.err).toContain('inputs[1][1]');
      expect(existsSync(out)).toBe(false);
      expect((await run(['experiment', 'keskar', '--data', join(dir, 'missing.json')])).err).toContain('--data');
      expect((await run(['experiment', 'nonsense'])).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes --out whole: table, JSON, figures, dataset and every network', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flatcheck-keskar-'));
    try {
      // A small two-class dataset in the same format, so the CLI runs the whole pipeline quickly.
      const inputs = Array.from({ length: 16 }, (_, i) => [Math.cos(i), Math.sin(2 * i) + (i % 2)]);
      const data = join(dir, 'data.json');
      writeFileSync(data, JSON.stringify({ format: 'flatcheck.dataset/v1', loss: 'cross-entropy', inputs, targets: inputs.map((_, i) => i % 2) }));
      const out = join(dir, 'out');
      const r = await run(['experiment', 'keskar', '--short', '--data', data, '--out', out, '--json']);
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out).pairs).toBe(1);
      const files = readdirSync(out).sort();
      expect(files).toEqual(expect.arrayContaining(['dataset.json', 'sharpness.svg', 'spectrum.svg', 'table.json', 'table.md']));
      expect(files.filter((f) => f.endsWith('.network.json'))).toHaveLength(6);
      expect(readdirSync(dir).filter((f) => !f.startsWith('.out.')).sort()).toEqual(['data.json', 'out']); // no staging directory left behind (out links to its hidden version)
      expect(JSON.parse(readFileSync(join(out, 'table.json'), 'utf8')).ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
