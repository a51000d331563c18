// The PyTorch adapter (adapters/python/flatcheck_torch.py) on flatcheck.network/v2 networks: on the
// fixtures of fixtures/v2 (CNNs with max and average pooling, stride and padding, residual blocks with
// identity and projection skips, eval and train batch norm, mse and cross-entropy), torch's float64
// outputs, loss, gradient and dense Hessian equal flatcheck's float64 forwardV2, lossV2, lossGradientV2
// and lossHessianV2; θ round-trips through the adapter; and v2 networks reach metric programs intact.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { float64Field as F } from '../field/float64.js';
import { parseNetworkV2 } from '../network/json-v2.js';
import { parseDataset } from '../network/json.js';
import { datasetIn, type Dataset } from '../network/types.js';
import { flattenV2, networkV2In, someLayer, toV1, walkLayers, type NetworkV2 } from '../network/v2.js';
import { forwardV2, lossV2 } from '../network/v2-forward.js';
import { lossGradientV2, lossHessianV2 } from '../autodiff/v2.js';
import { ExecMetric } from './exec.js';
import { metricContext } from './contract.js';
import pathNormReference from './reference/path-norm.js';

const root = new URL('../../', import.meta.url).pathname;
const script = `${root}fixtures/exec/torch_v2.py`;

/** An interpreter that imports `modules`, or undefined (the tests that need it skip, saying what to install); under CI a missing one fails. */
function python(modules: string[], install: string): string | undefined {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    if (spawnSync(candidate, ['-c', modules.map((m) => `import ${m}`).join('; ') || 'pass']).status === 0) return candidate;
  }
  const message = `no python3 with ${modules.join(', ') || 'the standard library'} (install ${install})`;
  if (process.env.CI) throw new Error(`${message}: required under CI`);
  console.warn(`skipping the tests that need it: ${message}`);
  return undefined;
}
const python3 = python([], 'python3');
const torchPython = python(['torch'], 'python3-torch (apt), or pip install torch');
const numpyPython = python(['numpy'], 'python3-numpy, or pip install numpy');

interface Fixture {
  name: string;
  path: string;
  net: NetworkV2<number>;
  data: Dataset<number>;
}
const fixtureDir = `${root}fixtures/v2/`;
// The { network, dataset } pairs generate.py writes (the directory also holds plain network and dataset examples).
const fixtures: Fixture[] = readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, raw: JSON.parse(readFileSync(fixtureDir + file, 'utf8')) as { network?: unknown; dataset?: unknown } }))
  .filter(({ raw }) => raw.network !== undefined)
  .map(({ file, raw }) => ({ name: file.replace(/\.json$/, ''), path: fixtureDir + file, net: networkV2In(F, parseNetworkV2(raw.network)), data: datasetIn(F, parseDataset(raw.dataset)) }));

interface Values {
  theta: number[];
  outputs: number[][];
  loss: number;
  /** The loss of the module's own forward pass (not the functional one). */
  moduleLoss?: number;
  gradient: number[];
  hessian: number[][];
}

/** flatcheck's float64 values per fixture, computed once when first needed (the dense Hessians take seconds). */
let computed: Map<string, Values> | undefined;
const flatcheckValues = (name: string): Values => {
  computed ??= new Map(fixtures.map(({ name, net, data }) => [name, { theta: flattenV2(net), outputs: forwardV2(F, net, data.inputs), loss: lossV2(F, net, data), gradient: lossGradientV2(F, net, data), hessian: lossHessianV2(F, net, data) }]));
  return computed.get(name)!;
};

/** torch's values (fixtures/exec/torch_v2.py compare), optionally with a --wrong negative control. */
function torchValues(files: Fixture[], wrong?: string): Map<string, Values> {
  const r = spawnSync(torchPython!, [script, 'compare', ...(wrong ? ['--wrong', wrong] : []), ...files.map((f) => f.path)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`torch_v2.py compare failed (${r.status}):\n${r.stderr}`);
  const byPath = JSON.parse(r.stdout) as Record<string, Values>;
  return new Map(files.map((f) => [f.name, byPath[f.path]!]));
}

/**
 * max |a − b| / max |b|: the normwise relative difference. Entries near 0 (a gradient entry that cancels)
 * are judged at the scale of the largest, which is what rounding in a sum of products perturbs.
 */
function relativeDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  const scale = Math.max(...b.map(Math.abs));
  const gap = Math.max(0, ...a.map((x, i) => Math.abs(x - b[i]!)));
  return gap === 0 ? 0 : gap / scale;
}

function differences(torch: Values, ours: Values) {
  return {
    outputs: relativeDifference(torch.outputs.flat(), ours.outputs.flat()),
    loss: relativeDifference([torch.loss, torch.moduleLoss ?? torch.loss], [ours.loss, ours.loss]),
    gradient: relativeDifference(torch.gradient, ours.gradient),
    hessian: relativeDifference(torch.hessian.flat(), ours.hessian.flat()),
  };
}

/**
 * Both sides compute the same float64 function with the operations in another order (PyTorch's kernels
 * block their sums; its batch norm multiplies by 1/√(σ²+ε) where flatcheck divides by √(σ²+ε)). Each
 * value is a few layers of sums of at most 50 products of O(1) numbers, so the two differ by a small
 * multiple of float64's unit roundoff u = 1.1e-16: measured on these fixtures, at most 9.7e-16 (≈ 9u, the
 * Hessian of the train-mode network). 1e-13 leaves a factor of 100 for other CPUs' and builds' summation
 * orders, while a wrong θ order moves the gradient and Hessian by more than 1e-3 (the negative controls
 * below) and wrong semantics by far more than rounding (an unbiased variance, say, is a factor 12/11 on a
 * batch of 12 values per channel).
 */
const TOLERANCE = 1e-13;

const hasProjection = (f: Fixture) => someLayer(f.net, (l) => l.type === 'residual' && l.skip !== undefined);
const hasBatchNorm = (f: Fixture) => someLayer(f.net, (l) => l.type === 'batchnorm');

describe('the v2 fixtures', () => {
  it('cover what the adapter builds', () => {
    const seen = new Set<string>();
    for (const f of fixtures) {
      seen.add(`input ${f.net.inputShape.length === 1 ? '[n]' : '[C, H, W]'}`).add(`loss ${f.data.loss}`);
      walkLayers(f.net.layers, (l) => {
        seen.add(l.type);
        if (l.type === 'activation') seen.add(`activation ${l.activation}`);
        if (l.type === 'conv2d') seen.add(l.bias ? 'conv2d with bias' : 'conv2d without bias').add(`conv2d stride ${l.stride}`).add(`conv2d padding ${l.padding > 0 ? '> 0' : '0'}`);
        if (l.type === 'batchnorm') seen.add(`batchnorm ${l.mode}`).add(l.epsilon.every((e) => e === l.epsilon[0]) ? 'batchnorm one ε' : 'batchnorm ε per channel');
        if (l.type === 'residual') seen.add(l.skip ? `residual skip ${l.skip.type}` : 'residual skip identity');
      });
    }
    for (const what of [
      'input [n]', 'input [C, H, W]', 'loss mse', 'loss cross-entropy', 'dense', 'maxpool2d', 'avgpool2d', 'flatten',
      'conv2d with bias', 'conv2d without bias', 'conv2d stride 1', 'conv2d stride 2', 'conv2d padding 0', 'conv2d padding > 0',
      'batchnorm eval', 'batchnorm train', 'batchnorm one ε', 'batchnorm ε per channel',
      'residual skip identity', 'residual skip conv2d', 'residual skip dense',
      ...['relu', 'leaky-relu', 'abs', 'linear', 'tanh', 'softplus'].map((a) => `activation ${a}`),
    ]) {
      expect(seen, what).toContain(what);
    }
  });
});

describe.skipIf(!torchPython)('PyTorch (flatcheck_torch.to_module, functional_loss) and flatcheck agree on v2 networks in float64', () => {
  let torch: Map<string, Values>;
  beforeAll(() => {
    torch = torchValues(fixtures);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: the same θ, outputs, loss, gradient and dense Hessian', (_, f) => {
    const ours = flatcheckValues(f.name);
    const theirs = torch.get(f.name)!;
    expect(theirs.theta).toEqual(ours.theta);
    const d = differences(theirs, ours);
    for (const [what, difference] of Object.entries(d)) expect(difference, `${what}: ${difference}`).toBeLessThanOrEqual(TOLERANCE);
  });

  // Negative controls: the same models with their parameters registered in another order (forward unchanged).
  it.each([
    ['skip-first', 'each residual skip registered before its body', hasProjection],
    ['beta-gamma', 'each batchnorm β registered before its γ', hasBatchNorm],
  ] as const)('a wrong θ order (%s: %s) is caught where it applies, and only there', (wrong, _, applies) => {
    const caught = torchValues(fixtures, wrong);
    expect(fixtures.filter(applies).length).toBeGreaterThanOrEqual(2);
    for (const f of fixtures) {
      const d = differences(caught.get(f.name)!, flatcheckValues(f.name));
      expect(d.outputs, f.name).toBeLessThanOrEqual(TOLERANCE);
      expect(d.loss, f.name).toBeLessThanOrEqual(TOLERANCE);
      if (applies(f)) {
        expect(caught.get(f.name)!.theta, f.name).not.toEqual(flatcheckValues(f.name).theta);
        expect(d.gradient, f.name).toBeGreaterThan(1e-3);
        expect(d.hessian, f.name).toBeGreaterThan(1e-3);
      } else {
        expect(d.gradient, f.name).toBeLessThanOrEqual(TOLERANCE);
      }
    }
  });
});

describe.skipIf(!torchPython)('θ round-trips through the adapter (fixtures/exec/torch_v2.py roundtrip)', () => {
  const roundtrip = (wrong?: string) => {
    const r = spawnSync(torchPython!, [script, 'roundtrip', ...(wrong ? ['--wrong', wrong] : []), ...fixtures.map((f) => f.path)], { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 1) throw new Error(`torch_v2.py roundtrip failed (${r.status}):\n${r.stderr}`);
    return { status: r.status, ...(JSON.parse(r.stdout) as { checks: number; files: number; failures: Record<string, string> }) };
  };

  it('θ → model → θ, θ → network JSON → model → θ, model → network → model: every check on every fixture', () => {
    expect(roundtrip()).toEqual({ status: 0, checks: 8 * fixtures.length, files: fixtures.length, failures: {} });
  });

  it.each([
    ['skip-first', hasProjection],
    ['beta-gamma', hasBatchNorm],
  ] as const)('the wrong θ order %s fails it on each fixture it applies to, and only there', (wrong, applies) => {
    const r = roundtrip(wrong);
    expect(r.status).toBe(1);
    const failing = fixtures.filter(applies);
    expect(failing.length).toBeGreaterThanOrEqual(2);
    expect(r.failures).toEqual(Object.fromEntries(failing.map((f) => [`${f.name}.json`, "flat_parameters(to_module(network)) is not θ in flatcheck's order"])));
  });
});

describe('v2 networks reach metric programs intact', () => {
  const session = async <T>(argv: string[], body: (m: ExecMetric) => Promise<T>) => {
    const m = new ExecMetric(argv);
    try {
      return await body(m);
    } finally {
      await m.close();
    }
  };

  it.skipIf(!torchPython)('serve_torch: the loss of the model built from what arrived is lossV2', async () => {
    await session([torchPython!, script, 'serve'], async (m) => {
      for (const f of fixtures) {
        const reply = await m.evaluate(f.net, f.data, 1, 60_000);
        expect(reply.error).toBeUndefined();
        expect(relativeDifference([reply.value as number], [lossV2(F, f.net, f.data)]), f.name).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  }, 120_000);

  it.skipIf(!torchPython)('the PyTorch examples take v2 networks: finite values, and the unadapted-bias bug moves the adaptive sharpness', async () => {
    // Three of the fixtures (the adaptive sharpness takes a dense Hessian and 90 ascent steps): convolution and
    // max pooling, a dense projection skip and train-mode BatchNorm1d, an identity skip and eval-mode BatchNorm2d.
    const some = fixtures.filter((f) => ['cnn-maxpool', 'mlp-batchnorm1d-residuals', 'resnet-identity-eval-batchnorm'].includes(f.name));
    expect(some).toHaveLength(3);
    const values = async (example: string) =>
      session([torchPython!, `${root}examples/python/${example}`], async (m) => {
        const out: number[] = [];
        for (const f of some) {
          const reply = await m.evaluate(f.net, f.data, 1, 60_000);
          expect(reply.error, `${example} on ${f.name}`).toBeUndefined();
          out.push(reply.value as number);
        }
        return out;
      });
    for (const v of await values('hessian_trace.py')) expect(Number.isFinite(v)).toBe(true);
    const adapted = await values('adaptive_sharpness.py');
    const unadapted = await values('adaptive_sharpness_unadapted_biases.py');
    adapted.forEach((v, i) => {
      expect(v, some[i]!.name).toBeGreaterThanOrEqual(0);
      expect(unadapted[i], some[i]!.name).not.toBe(v);
    });
  }, 300_000);

  /** What fixtures/exec/python_metric.py's v2 modes compute, from the network flatcheck holds. */
  const fingerprint = (net: NetworkV2<number>) => {
    let state = 0;
    walkLayers(net.layers, (l) => {
      if (l.type === 'conv2d') state += l.stride + 2 * l.padding;
      if (l.type === 'maxpool2d' || l.type === 'avgpool2d') state += l.stride + 3 * l.size;
      if (l.type === 'batchnorm') for (let c = 0; c < l.gamma.length; c++) state += l.runningMean[c]! + 2 * l.runningVariance[c]! + 3 * l.epsilon[c]!;
    });
    return flattenV2(net).reduce((s, t, i) => s + (i + 1) * t, 0) + state;
  };

  const handsOver = async (interpreter: string, mode: string) => {
    await session([interpreter, `${root}fixtures/exec/python_metric.py`, mode], async (m) => {
      for (const f of fixtures) {
        const reply = await m.evaluate(f.net, f.data, 1, 10_000);
        expect(reply.error).toBeUndefined();
        // Sums of dyadic θ are exact; the ε (decimals) are summed in another order: a few ulps.
        expect(relativeDifference([reply.value as number], [fingerprint(f.net)]), f.name).toBeLessThanOrEqual(1e-14);
      }
      // The control: a network with one number moved by 2^-10 has another fingerprint.
      const f = fixtures[0]!;
      const first = f.net.layers[0]!;
      if (first.type !== 'conv2d' && first.type !== 'dense') throw new Error(`${f.name}: expected a weighted first layer`);
      const moved = { ...f.net, layers: [{ ...first, weights: [first.weights[0]! + 2 ** -10, ...first.weights.slice(1)] }, ...f.net.layers.slice(1)] };
      expect((await m.evaluate(moved, f.data, 1, 10_000)).value).not.toBe((await m.evaluate(f.net, f.data, 1, 10_000)).value);
    });
  };

  it.skipIf(!python3)('flatcheck_metric.serve hands a v2 network over as lists (as_arrays=False), every number in place', async () => {
    await handsOver(python3!, 'v2-lists');
  });

  it.skipIf(!numpyPython)('… and as numpy arrays', async () => {
    await handsOver(numpyPython!, 'v2');
  });

  it.skipIf(!numpyPython)('examples/python/path_norm.py: the JavaScript reference on a v2 MLP, and an error answer that says why on any other network', async () => {
    await session([numpyPython!, `${root}examples/python/path_norm.py`], async (m) => {
      const mlp = fixtures.find((f) => f.name === 'mlp-batchnorm1d-residuals')!;
      const reply = await m.evaluate(mlp.net, mlp.data, 1, 10_000);
      expect(reply.error).toBe('ValueError: path_norm takes MLPs only (dense and activation layers): layers[1] is a batchnorm layer');
      const cnn = fixtures.find((f) => f.name === 'cnn-maxpool')!;
      expect((await m.evaluate(cnn.net, cnn.data, 1, 10_000)).error).toBe('ValueError: path_norm takes MLPs only (dense and activation layers): the input shape is [1, 6, 6], not [n]');
      // A v2 MLP that stays v2 on the wire: an explicit linear activation layer, which v1 has no place for.
      const net: NetworkV2<number> = {
        inputShape: [3],
        layers: [
          { type: 'dense', inputs: 3, outputs: 2, weights: [0.5, -1, 2, 0.25, 1.5, -0.75], bias: [0.125, -0.5] },
          { type: 'activation', activation: 'relu' },
          { type: 'dense', inputs: 2, outputs: 1, weights: [1, -2] },
          { type: 'activation', activation: 'linear' },
        ],
      };
      const data: Dataset<number> = { loss: 'mse', inputs: [[1, 2, 3]], targets: [[1]] };
      // The reference takes the same function as a v1 MLP: the explicit linear layer dropped.
      const ctx = await metricContext(toV1({ ...net, layers: net.layers.slice(0, -1) })!, data, 1);
      const expected = await pathNormReference.evaluate(ctx);
      ctx.dispose();
      expect(Math.abs(((await m.evaluate(net, data, 1, 10_000)).value as number) - expected)).toBeLessThanOrEqual(1e-14 * expected);
    });
  });
});
