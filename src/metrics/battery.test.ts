import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../field/errors.js';
import { checkMetric, defineMetric, loadRegistry, type Metric } from './index.js';
import type { Layer } from '../network/types.js';

let registry: Metric[] = [];
beforeAll(async () => {
  registry = await loadRegistry();
});
const byId = (id: string) => registry.find((m) => m.id === id)!;

describe('conformance battery: known answers of docs/theory.md §5 (a first subset)', () => {
  it('loss and path norm are invariant under every family', async () => {
    for (const id of ['loss', 'path-norm']) {
      const r = await checkMetric(byId(id), { runs: 15 });
      expect(Object.values(r.families).map((f) => f.verdict), id).toEqual(['invariant', 'invariant', 'invariant']);
      expect(Object.values(r.families).map((f) => f.runs)).toEqual([15, 15, 15]);
      expect(r.claims.ok).toBe(true);
    }
  });

  it('the Hessian trace is unbounded under layer- and neuron-scale and invariant under permutation', async () => {
    const r = await checkMetric(byId('hessian-trace'), { runs: 15 });
    expect(r.families['layer-scale']!.verdict).toBe('unbounded');
    expect(r.families['neuron-scale']!.verdict).toBe('unbounded');
    expect(r.families.permutation!.verdict).toBe('invariant');
    expect(r.claims).toEqual({ ok: true, failed: [] });
    expect(r.families['layer-scale']!.path!.length).toBeGreaterThan(10);
  });

  it('the product of layer Frobenius norms is invariant under layer-scale but not under neuron-scale', async () => {
    const r = await checkMetric(byId('product-frobenius'), { runs: 15, families: ['layer-scale', 'neuron-scale'] });
    expect(r.families['layer-scale']!.verdict).toBe('invariant');
    expect(r.families['neuron-scale']!.verdict).not.toBe('invariant');
  });
});

describe('broken metrics are caught with small counterexamples, and failures get their own verdict', () => {
  it('a path norm that forgets to square the output layer\'s weights is not invariant under neuron-scale', async () => {
    const broken = defineMetric({
      id: 'broken-path-norm',
      claims: { invariant: ['neuron-scale'] },
      evaluate: (ctx) => {
        const net = ctx.network as { inputSize: number; layers: Layer<number>[] };
        let v = new Array<number>(net.inputSize).fill(1);
        net.layers.forEach((layer, k) => {
          // Bug: |w| instead of w² in the output layer, so a path's product scales by c under neuron-scale.
          const last = k === net.layers.length - 1;
          v = layer.weights.map((row, i) => row.reduce((s, w, j) => s + (last ? Math.abs(w) : w * w) * v[j]!, layer.bias ? layer.bias[i]! ** 2 : 0));
        });
        return Math.sqrt(v.reduce((a, b) => a + b, 0));
      },
    });
    const r = await checkMetric(broken, { runs: 40, families: ['neuron-scale'] });
    expect(r.families['neuron-scale']!.verdict).not.toBe('invariant');
    expect(r.claims.ok).toBe(false);
    const ce = r.families['neuron-scale']!.counterexample!;
    expect((ce.network as { layers: unknown[] }).layers.length).toBeLessThanOrEqual(3);
    expect(ce.symmetry).toMatch(/^neuron-scale layer 1/);
  });

  it('the growth path leaves out points where the metric fails (NaN once weights are large) and still reports growth', async () => {
    const nanWhenLarge = defineMetric({
      id: 'nan-when-large',
      evaluate: (ctx) => (Math.max(...ctx.theta.map(Math.abs)) > 1e6 ? NaN : ctx.theta.reduce((s, t) => s + t * t, 0)),
    });
    const family = (await checkMetric(nanWhenLarge, { runs: 10, families: ['layer-scale'] })).families['layer-scale']!;
    expect(family.verdict).toBe('unbounded');
    expect(family.path!.every((p) => Number.isFinite(p.value))).toBe(true);
    expect(family.path!.length).toBeLessThan(11); // the failing points are left out
  });

  it('a metric that throws, returns NaN or hangs gets "error", and the battery goes on', async () => {
    const throws = defineMetric({ id: 'throws', evaluate: () => { throw new Error('boom'); } });
    const nan = defineMetric({ id: 'nan', evaluate: () => NaN });
    const hangs = defineMetric({ id: 'hangs', evaluate: () => new Promise<number>(() => undefined) });
    expect((await checkMetric(throws, { runs: 3 })).families.permutation).toMatchObject({ verdict: 'error', error: 'threw: boom' });
    expect((await checkMetric(nan, { runs: 3, families: ['layer-scale'] })).families['layer-scale']).toMatchObject({ verdict: 'error', error: 'returned NaN, not a finite number' });
    expect((await checkMetric(hangs, { runs: 2, families: ['permutation'], timeLimitMs: 50 })).families.permutation).toMatchObject({ verdict: 'error', error: 'timed out after 50 ms' });
  });
});

describe('the worker thread of an isolated metric', () => {
  const fixture = (name: string) => new URL(`../../fixtures/metrics/${name}`, import.meta.url).pathname;

  it('a worker that exits mid-evaluation fails that evaluation with the cause, without waiting for the time limit', async () => {
    const r = await checkMetric(fixture('exits.mjs'), { runs: 2, families: ['permutation'], timeLimitMs: 600_000 });
    expect(r.families.permutation).toMatchObject({ verdict: 'error', error: 'the worker exited (code 3)' });
  }, 120_000);

  it.each([
    ['import-exits-0.mjs', 'it ended its thread with exit code 0 while being imported (process.exit?)'],
    ['import-exits-1.mjs', 'it ended its thread with exit code 1 while being imported (process.exit?)'],
    ['import-hangs.mjs', 'a module that loads within 3000 ms (the --time-limit); it was still being imported'],
    ['import-awaits-forever.mjs', 'a module that loads within 3000 ms (the --time-limit); it was still being imported'],
  ])('a module that misbehaves while it is imported (%s) is a load error naming MODULE, and this thread goes on', async (name, cause) => {
    const error = await checkMetric(fixture(name), { runs: 2, timeLimitMs: 3000 }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).field).toBe('MODULE');
    expect((error as InputError).message).toContain(cause);
  }, 120_000);
});

describe('deliberately broken metrics in fixtures/metrics are flagged with small counterexamples', () => {
  const load = async (name: string) => ((await import(`../../fixtures/metrics/${name}`)) as { default: Metric }).default;

  it('relative flatness read from the wrong layer\'s Hessian block is not invariant under layer-scale', async () => {
    const r = await checkMetric(await load('broken-relative-flatness.ts'), { runs: 30, families: ['layer-scale'] });
    const family = r.families['layer-scale']!;
    expect(['not-invariant', 'unbounded']).toContain(family.verdict);
    expect(r.claims.failed).toEqual([`invariant under layer-scale (verdict: ${family.verdict})`]);
    const ce = family.counterexample!;
    expect(Math.abs(ce.after - ce.before)).toBeGreaterThan(ce.tolerance);
    expect((ce.network as { layers: unknown[] }).layers.length).toBe(2); // shrunk to the smallest net with a layer before the output
  });

  it('the correct relative flatness passes the same search', async () => {
    expect((await checkMetric(byId('relative-flatness'), { runs: 30, families: ['layer-scale'] })).families['layer-scale']!.verdict).toBe('invariant');
  });

  it('a sampled metric with position-dependent noise is caught under permutation despite its sampling allowance', async () => {
    const r = await checkMetric(await load('broken-average-sharpness.ts'), { runs: 30, families: ['permutation'] });
    const family = r.families.permutation!;
    expect(family.verdict).toBe('not-invariant');
    expect(Math.abs(family.counterexample!.after - family.counterexample!.before)).toBeGreaterThan(family.counterexample!.tolerance);
  });
});
