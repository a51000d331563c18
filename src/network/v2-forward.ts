/**
 * The forward pass of a v2 network over any Field, batched (train-mode
 * batch norm couples the samples), and what reverse mode needs: with a
 * `gradient` accumulator each layer returns its backward step, which maps
 * ∂L/∂(its output) to ∂L/∂(its input) and adds ∂L/∂(its parameters) into
 * the accumulator at the layer's θ offset. A sample is one flat array in
 * C·H·W order.
 *
 * Undefined derivatives are errors, never numbers: a pre-activation exactly
 * at a kink, or a max-pool window whose maximum is tied between entries
 * that can still move (ties among entries a ReLU holds at 0 are fine: the
 * maximum is locally constant there).
 */
import type { Field } from '../field/field.js';
import { InputError, KinkError } from '../field/errors.js';
import { activate, activationDerivative, assertActivationSupported, lossOfOutputs } from './forward.js';
import type { Dataset } from './types.js';
import { channels, layerOutputShape, positions, sequenceShapes, size, type BatchNormLayer, type Conv2dLayer, type DenseLayer, type LayerV2, type NetworkV2, type PoolLayer } from './v2.js';

type Batch<T> = T[][];
type Backward<T> = (dOut: Batch<T>) => Batch<T>;

interface Value<T> {
  x: Batch<T>;
  shape: number[];
  /** Entries that are locally constant in θ (a ReLU's output on its negative side). */
  dead?: boolean[][];
}

interface Run<T> {
  F: Field<T>;
  /** ∂L/∂θ, accumulated by the backward steps; absent for a forward pass alone. */
  gradient?: T[];
  /** The next layer's first parameter index. */
  offset: number;
}

interface Step<T> {
  value: Value<T>;
  backward?: Backward<T>;
}

const zeros = <T>(F: Field<T>, n: number) => new Array<T>(n).fill(F.zero);

function dense<T>(run: Run<T>, layer: DenseLayer<T>, { x }: Value<T>): Step<T> {
  const { F } = run;
  const { inputs: I, outputs: O, weights: W, bias } = layer;
  const wAt = run.offset;
  const bAt = wAt + O * I;
  run.offset = bAt + (bias ? O : 0);
  const y = x.map((row) => {
    const live = row.flatMap((v, i) => (F.isZero(v) ? [] : [i]));
    return Array.from({ length: O }, (_, o) => {
      let z = bias ? bias[o]! : F.zero;
      for (const i of live) z = F.add(z, F.mul(W[o * I + i]!, row[i]!));
      return z;
    });
  });
  const value = { x: y, shape: [O] };
  if (!run.gradient) return { value };
  const g = run.gradient;
  return {
    value,
    backward: (dy) =>
      dy.map((d, s) => {
        const dx = zeros(F, I);
        d.forEach((v, o) => {
          if (F.isZero(v)) return;
          if (bias) g[bAt + o] = F.add(g[bAt + o]!, v);
          for (let i = 0; i < I; i++) {
            dx[i] = F.add(dx[i]!, F.mul(W[o * I + i]!, v));
            if (!F.isZero(x[s]![i]!)) g[wAt + o * I + i] = F.add(g[wAt + o * I + i]!, F.mul(v, x[s]![i]!));
          }
        });
        return dx;
      }),
  };
}

/** For each output position and kernel offset, the input position it reads (−1: padding). */
function convIndex(H: number, W: number, kh: number, kw: number, stride: number, padding: number, outH: number, outW: number): Int32Array {
  const index = new Int32Array(outH * outW * kh * kw);
  let n = 0;
  for (let oh = 0; oh < outH; oh++) {
    for (let ow = 0; ow < outW; ow++) {
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const h = oh * stride + a - padding;
          const w = ow * stride + b - padding;
          index[n++] = h >= 0 && h < H && w >= 0 && w < W ? h * W + w : -1;
        }
      }
    }
  }
  return index;
}

function conv2d<T>(run: Run<T>, layer: Conv2dLayer<T>, { x, shape }: Value<T>, field: string): Step<T> {
  const { F } = run;
  const [C, H, Wd] = shape as [number, number, number];
  const outShape = layerOutputShape(layer, shape, field);
  const [O, outH, outW] = outShape as [number, number, number];
  const K = layer.kernelHeight * layer.kernelWidth;
  const P = outH * outW;
  const index = convIndex(H, Wd, layer.kernelHeight, layer.kernelWidth, layer.stride, layer.padding, outH, outW);
  const { weights: Wt, bias } = layer;
  const wAt = run.offset;
  const bAt = wAt + O * C * K;
  run.offset = bAt + (bias ? O : 0);
  const HW = H * Wd;
  const y = x.map((row) => {
    const out = new Array<T>(O * P);
    for (let o = 0; o < O; o++) {
      for (let p = 0; p < P; p++) {
        let z = bias ? bias[o]! : F.zero;
        for (let c = 0; c < C; c++) {
          for (let k = 0; k < K; k++) {
            const at = index[p * K + k]!;
            if (at < 0) continue;
            const v = row[c * HW + at]!;
            if (!F.isZero(v)) z = F.add(z, F.mul(Wt[(o * C + c) * K + k]!, v));
          }
        }
        out[o * P + p] = z;
      }
    }
    return out;
  });
  const value = { x: y, shape: outShape };
  if (!run.gradient) return { value };
  const g = run.gradient;
  return {
    value,
    backward: (dy) =>
      dy.map((d, s) => {
        const dx = zeros(F, C * HW);
        const row = x[s]!;
        for (let o = 0; o < O; o++) {
          for (let p = 0; p < P; p++) {
            const v = d[o * P + p]!;
            if (F.isZero(v)) continue;
            if (bias) g[bAt + o] = F.add(g[bAt + o]!, v);
            for (let c = 0; c < C; c++) {
              for (let k = 0; k < K; k++) {
                const at = index[p * K + k]!;
                if (at < 0) continue;
                const w = (o * C + c) * K + k;
                dx[c * HW + at] = F.add(dx[c * HW + at]!, F.mul(Wt[w]!, v));
                const xv = row[c * HW + at]!;
                if (!F.isZero(xv)) g[wAt + w] = F.add(g[wAt + w]!, F.mul(v, xv));
              }
            }
          }
        }
        return dx;
      }),
  };
}

function pool<T>(run: Run<T>, layer: PoolLayer, { x, shape, dead }: Value<T>, field: string): Step<T> {
  const { F } = run;
  const [C, H, Wd] = shape as [number, number, number];
  const outShape = layerOutputShape(layer, shape, field);
  const [, outH, outW] = outShape as [number, number, number];
  const P = outH * outW;
  const index = convIndex(H, Wd, layer.size, layer.size, layer.stride, 0, outH, outW);
  const K = layer.size * layer.size;
  const HW = H * Wd;
  if (layer.type === 'avgpool2d') {
    const share = F.div(F.one, F.fromScalar(K));
    const y = x.map((row) =>
      Array.from({ length: C * P }, (_, cp) => {
        const c = Math.floor(cp / P);
        const p = cp % P;
        let z = F.zero;
        for (let k = 0; k < K; k++) z = F.add(z, row[c * HW + index[p * K + k]!]!);
        return F.mul(share, z);
      }),
    );
    return {
      value: { x: y, shape: outShape },
      backward: (dy) =>
        dy.map((d) => {
          const dx = zeros(F, C * HW);
          d.forEach((v, cp) => {
            const c = Math.floor(cp / P);
            const p = cp % P;
            const part = F.mul(share, v);
            for (let k = 0; k < K; k++) dx[c * HW + index[p * K + k]!] = F.add(dx[c * HW + index[p * K + k]!]!, part);
          });
          return dx;
        }),
    };
  }
  const argmax: number[][] = [];
  const outDead: boolean[][] = [];
  const y = x.map((row, s) => {
    const from: number[] = [];
    const still: boolean[] = [];
    const out = Array.from({ length: C * P }, (_, cp) => {
      const c = Math.floor(cp / P);
      const p = cp % P;
      let best = c * HW + index[p * K]!;
      const tied: number[] = [best];
      for (let k = 1; k < K; k++) {
        const at = c * HW + index[p * K + k]!;
        const order = F.compare(row[at]!, row[best]!);
        if (order > 0) {
          best = at;
          tied.length = 0;
          tied.push(at);
        } else if (order === 0) tied.push(at);
      }
      const constant = tied.every((at) => dead?.[s]?.[at] === true);
      if (run.gradient && tied.length > 1 && !constant) {
        throw new KinkError(s, field, cp, `is a max-pool window whose maximum is tied between ${tied.length} inputs that vary with θ`);
      }
      from.push(best);
      still.push(constant);
      return row[best]!;
    });
    argmax.push(from);
    outDead.push(still);
    return out;
  });
  return {
    value: { x: y, shape: outShape, dead: outDead },
    backward: (dy) =>
      dy.map((d, s) => {
        const dx = zeros(F, C * HW);
        d.forEach((v, cp) => {
          const at = argmax[s]![cp]!;
          dx[at] = F.add(dx[at]!, v);
        });
        return dx;
      }),
  };
}

function rootOf<T>(F: Field<T>, layer: BatchNormLayer<T>, c: number, field: string): T {
  const sum = F.add(layer.runningVariance[c]!, layer.epsilon[c]!);
  if (F.sign(sum) <= 0) throw new InputError(`${field}.runningVariance[${c}]`, F.toString(layer.runningVariance[c]!), 'a variance with σ² + ε > 0');
  const root = F.sqrt(sum);
  if (root === undefined) {
    throw new InputError(`${field}.runningVariance[${c}]`, F.toString(layer.runningVariance[c]!), `σ² + ε (here ${F.toString(sum)}) the square of a rational: an exact engine cannot take an irrational root (use a float engine)`);
  }
  return root;
}

function batchNorm<T>(run: Run<T>, layer: BatchNormLayer<T>, { x, shape }: Value<T>, field: string): Step<T> {
  const { F } = run;
  const C = channels(shape);
  const Q = positions(shape);
  const gAt = run.offset;
  const bAt = gAt + C;
  run.offset = bAt + C;
  const N = x.length;
  let mean: T[];
  let root: T[];
  if (layer.mode === 'eval') {
    mean = layer.runningMean;
    root = Array.from({ length: C }, (_, c) => rootOf(F, layer, c, field));
  } else {
    if (F.exact) throw new InputError(`${field}.mode`, 'train', 'eval mode in an exact engine (train-mode batch statistics need square roots of values that move with θ: use a float engine)');
    const M = F.fromScalar(N * Q);
    mean = Array.from({ length: C }, (_, c) => {
      let sum = F.zero;
      for (const row of x) for (let q = 0; q < Q; q++) sum = F.add(sum, row[c * Q + q]!);
      return F.div(sum, M);
    });
    root = Array.from({ length: C }, (_, c) => {
      let sum = F.zero;
      for (const row of x) {
        for (let q = 0; q < Q; q++) {
          const e = F.sub(row[c * Q + q]!, mean[c]!);
          sum = F.add(sum, F.mul(e, e));
        }
      }
      return F.sqrt(F.add(F.div(sum, M), layer.epsilon[c]!))!;
    });
  }
  const normal = x.map((row) => row.map((v, i) => F.div(F.sub(v, mean[Math.floor(i / Q)]!), root[Math.floor(i / Q)]!)));
  const y = normal.map((row) => row.map((v, i) => F.add(F.mul(layer.gamma[Math.floor(i / Q)]!, v), layer.beta[Math.floor(i / Q)]!)));
  const value = { x: y, shape: [...shape] };
  if (!run.gradient) return { value };
  const g = run.gradient;
  return {
    value,
    backward: (dy) => {
      dy.forEach((d, s) =>
        d.forEach((v, i) => {
          const c = Math.floor(i / Q);
          g[gAt + c] = F.add(g[gAt + c]!, F.mul(v, normal[s]![i]!));
          g[bAt + c] = F.add(g[bAt + c]!, v);
        }),
      );
      const dNormal = dy.map((d) => d.map((v, i) => F.mul(layer.gamma[Math.floor(i / Q)]!, v)));
      if (layer.mode === 'eval') return dNormal.map((d) => d.map((v, i) => F.div(v, root[Math.floor(i / Q)]!)));
      // Through the batch statistics: dz = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / √(σ² + ε), means over the channel's N·Q entries.
      const M = F.fromScalar(N * Q);
      const meanD = zeros(F, C);
      const meanDX = zeros(F, C);
      dNormal.forEach((d, s) =>
        d.forEach((v, i) => {
          const c = Math.floor(i / Q);
          meanD[c] = F.add(meanD[c]!, v);
          meanDX[c] = F.add(meanDX[c]!, F.mul(v, normal[s]![i]!));
        }),
      );
      for (let c = 0; c < C; c++) {
        meanD[c] = F.div(meanD[c]!, M);
        meanDX[c] = F.div(meanDX[c]!, M);
      }
      return dNormal.map((d, s) =>
        d.map((v, i) => {
          const c = Math.floor(i / Q);
          return F.div(F.sub(F.sub(v, meanD[c]!), F.mul(normal[s]![i]!, meanDX[c]!)), root[c]!);
        }),
      );
    },
  };
}

function layerStep<T>(run: Run<T>, layer: LayerV2<T>, value: Value<T>, field: string): Step<T> {
  const { F } = run;
  switch (layer.type) {
    case 'dense':
      return dense(run, layer, value);
    case 'conv2d':
      return conv2d(run, layer, value, field);
    case 'maxpool2d':
    case 'avgpool2d':
      return pool(run, layer, value, field);
    case 'flatten':
      return { value: { x: value.x, shape: [size(value.shape)], ...(value.dead && { dead: value.dead }) }, backward: (dy) => dy };
    case 'batchnorm':
      return batchNorm(run, layer, value, field);
    case 'activation': {
      assertActivationSupported(F, layer.activation, `${field}.activation`);
      const y = value.x.map((row) => row.map((z) => activate(F, layer.activation, layer.slope, z)));
      if (!run.gradient) return { value: { x: y, shape: value.shape } };
      const derivative = value.x.map((row, s) =>
        row.map((z, i) => {
          const d = activationDerivative(F, layer.activation, layer.slope, z);
          if (d === undefined) throw new KinkError(s, field, i);
          return d;
        }),
      );
      const dead = layer.activation === 'relu' ? value.x.map((row) => row.map((z) => F.sign(z) < 0)) : undefined;
      return { value: { x: y, shape: value.shape, ...(dead && { dead }) }, backward: (dy) => dy.map((d, s) => d.map((v, i) => F.mul(v, derivative[s]![i]!))) };
    }
    case 'residual': {
      const body = sequenceSteps(run, layer.body, value, `${field}.body`);
      const skip: Step<T> = layer.skip ? layerStep(run, layer.skip, value, `${field}.skip`) : { value, backward: (dy) => dy };
      const out = body.value.x.map((row, s) => row.map((v, i) => F.add(v, skip.value.x[s]![i]!)));
      const step: Step<T> = { value: { x: out, shape: body.value.shape } };
      if (run.gradient) {
        step.backward = (dy) => {
          const a = body.backward!(dy);
          const b = skip.backward!(dy);
          return a.map((row, s) => row.map((v, i) => F.add(v, b[s]![i]!)));
        };
      }
      return step;
    }
  }
}

function sequenceSteps<T>(run: Run<T>, layers: readonly LayerV2<T>[], input: Value<T>, field: string): Step<T> {
  let value = input;
  const backs: Backward<T>[] = [];
  layers.forEach((layer, k) => {
    const step = layerStep(run, layer, value, `${field}[${k}]`);
    value = step.value;
    if (step.backward) backs.push(step.backward);
  });
  if (!run.gradient) return { value };
  return { value, backward: (dy) => backs.reduceRight((d, back) => back(d), dy) };
}

/** The architecture's shapes (an InputError names a layer that does not fit) and the inputs' lengths. */
function checkInputs<T>(net: NetworkV2<T>, inputs: readonly (readonly T[])[]): void {
  sequenceShapes(net.layers, net.inputShape);
  const n = size(net.inputShape);
  inputs.forEach((row, s) => {
    if (row.length !== n) throw new InputError(`inputs[${s}]`, `${row.length} numbers`, `${n} numbers (input shape [${net.inputShape.join(', ')}], flattened C·H·W)`);
  });
}

/** f_θ(x) for every sample. */
export function forwardV2<T>(F: Field<T>, net: NetworkV2<T>, inputs: readonly (readonly T[])[]): T[][] {
  checkInputs(net, inputs);
  return sequenceSteps({ F, offset: 0 }, net.layers, { x: inputs.map((r) => [...r]), shape: [...net.inputShape] }, 'layers').value.x;
}

export function lossV2<T>(F: Field<T>, net: NetworkV2<T>, data: Dataset<T>): T {
  return lossOfOutputs(F, data, forwardV2(F, net, data.inputs));
}

/**
 * The outputs, and a backward pass: given ∂L/∂f per sample it returns ∂L/∂θ
 * (θ order). Throws KinkError where a derivative is undefined.
 */
export function recordV2<T>(F: Field<T>, net: NetworkV2<T>, inputs: readonly (readonly T[])[], parameters: number): { outputs: T[][]; backward: (dOut: T[][]) => T[] } {
  checkInputs(net, inputs);
  const gradient = zeros(F, parameters);
  const run: Run<T> = { F, gradient, offset: 0 };
  const step = sequenceSteps(run, net.layers, { x: inputs.map((r) => [...r]), shape: [...net.inputShape] }, 'layers');
  let used = false;
  return {
    outputs: step.value.x,
    backward: (dOut) => {
      if (used) throw new Error('recordV2: backward runs once per recording');
      used = true;
      step.backward!(dOut);
      return gradient;
    },
  };
}
