/** `flatcheck transform`: apply a symmetry to a network file, exactly, writing the result whole or not at all. */
import type { Scalar } from '../../field/field.js';
import { InputError, UsageError } from '../../field/errors.js';
import { parseDecimal, parseRational, rationalField, toFraction } from '../../field/index.js';
import { HOMOGENEOUS_ACTIVATIONS, networkIn, type Network } from '../../network/index.js';
import { applySymmetry, describeSymmetry, SYMMETRY_KINDS, type Symmetry } from '../../symmetry/index.js';
import { choice, parseArgs, parseInteger, requireFlag, type ParsedArgs } from '../args.js';
import { readNetworkFile, writeNetworkFile } from '../io.js';
import { assertWritable } from '../../output/atomic.js';
import type { Fraction } from 'fraction.js';
import type { CommandResult } from '../command.js';

export const TRANSFORM_USAGE = [
  'flatcheck transform --net IN.json --symmetry layer-scale --alphas 2,1/2 --out OUT.json [--json]',
  'flatcheck transform --net IN.json --symmetry neuron-scale --layer K --scales 2,3,1/5 --out OUT.json',
  'flatcheck transform --net IN.json --symmetry permutation --layer K --perm 2,0,1 --out OUT.json',
].join('\n       ');

/** "2,1/2,0.25,1e-3": each the exact rational it spells (1e-3 is 1/1000). Hex, binary, Infinity and blanks are not numbers here. */
export function parseScalarList(text: string, flag: string): Scalar[] {
  return text.split(',').map((raw, i) => {
    const part = raw.trim(); // "2, 1/2" on a command line means the same as "2,1/2"
    const exact = parseRational(part) ?? parseDecimal(part);
    if (exact && (part.includes('/') || Number.isFinite(Number(part)))) return exact; // a decimal like 1e400 is not finite here either, as in a file
    throw new InputError(`${flag}[${i}]`, part, 'a decimal number or an exact rational like 1/2');
  });
}

/** A single positive scalar flag (exact when written as a rational or decimal). */
export function positiveScalar(args: ParsedArgs, flag: string, expected = 'a positive number'): Scalar {
  const [value] = parseScalarList(requireFlag(args, flag), `--${flag}`);
  const q = toFraction(value!);
  if (q.s < 0n || q.n === 0n) throw new InputError(`--${flag}`, value, expected);
  return value!;
}

function symmetryFromArgs(args: ParsedArgs): Symmetry {
  const kind = choice(requireFlag(args, 'symmetry'), SYMMETRY_KINDS, 'symmetry');
  const unexpected = (flag: string) => {
    if (args.flags.has(flag)) throw new UsageError(`--${flag} does not apply to --symmetry ${kind}`);
  };
  if (kind === 'layer-scale') {
    ['layer', 'scales', 'perm'].forEach(unexpected);
    return { kind, alphas: parseScalarList(requireFlag(args, 'alphas'), '--alphas') };
  }
  unexpected('alphas');
  const layer = parseInteger(requireFlag(args, 'layer'), '--layer');
  if (kind === 'neuron-scale') {
    unexpected('perm');
    return { kind, layer, scales: parseScalarList(requireFlag(args, 'scales'), '--scales') };
  }
  unexpected('scales');
  return { kind, layer, perm: requireFlag(args, 'perm').split(',').map((p, i) => parseInteger(p, `--perm[${i}]`)) };
}

export async function transformCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['net', 'symmetry', 'alphas', 'layer', 'scales', 'perm', 'out'], ['json']);
  const inPath = requireFlag(args, 'net');
  const out = requireFlag(args, 'out');
  assertWritable(out, '--out', 'file');
  const net = networkIn(rationalField, readNetworkFile(inPath));
  const symmetry = symmetryFromArgs(args);
  const transformed = withFlagNames(() => applySymmetry(rationalField, net, symmetry));
  assertSymmetryOf(net, symmetry);
  writeNetworkFile(out, transformed);
  const description = describeSymmetry(symmetry);
  return { stdout: args.flags.has('json') ? JSON.stringify({ out, symmetry: description }) : `wrote ${out}: ${description} of ${inPath}` };
}

/**
 * Layer- and neuron-scalings are symmetries only through positively
 * homogeneous activations, φ(c·z) = c·φ(z) for c > 0 (relu, leaky-relu,
 * abs, linear); a permutation is a symmetry of every network. Refuses a
 * scaling that reaches a tanh or softplus unit: the result would compute
 * another function.
 */
function assertSymmetryOf(net: Network<Fraction>, symmetry: Symmetry): void {
  const refuse = (k: number, c: Fraction) => {
    const activation = net.layers[k]!.activation;
    throw new InputError('--symmetry', symmetry.kind, `a symmetry of this network, but it scales the pre-activation of layers[${k}] by ${c.toFraction()}, and its activation "${activation}" is not positively homogeneous (only ${HOMOGENEOUS_ACTIVATIONS.join(', ')} are)`);
  };
  if (symmetry.kind === 'layer-scale') {
    let c = rationalField.one; // the factor on layer k's pre-activation: α_1 ⋯ α_k
    net.layers.forEach((layer, k) => {
      c = c.mul(toFraction(symmetry.alphas[k]!));
      if (!c.equals(rationalField.one) && !HOMOGENEOUS_ACTIVATIONS.includes(layer.activation)) refuse(k, c);
    });
  } else if (symmetry.kind === 'neuron-scale') {
    const k = symmetry.layer - 1;
    const scaled = symmetry.scales.map(toFraction).find((c) => !c.equals(rationalField.one));
    if (scaled && !HOMOGENEOUS_ACTIVATIONS.includes(net.layers[k]!.activation)) refuse(k, scaled);
  }
}

/** Errors name the CLI flag (--alphas[0]) rather than the API field (symmetry.alphas[0]). */
function withFlagNames<R>(f: () => R): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof InputError && e.field.startsWith('symmetry.')) throw new InputError(e.field.replace(/^symmetry\./, '--'), e.value, e.expected);
    throw e;
  }
}
