/** `flatcheck transform`: apply a symmetry to a network file, exactly, writing the result whole or not at all. */
import type { Scalar } from '../../field/field.js';
import { InputError, UsageError } from '../../field/errors.js';
import { parseDecimal, parseRational, rationalField, toFraction } from '../../field/index.js';
import { HOMOGENEOUS_ACTIVATIONS, networkIn, type Network } from '../../network/index.js';
import { applySymmetry, describeSymmetry, SYMMETRY_KINDS, type Symmetry } from '../../symmetry/index.js';
import { choice, parseArgs, parseInteger, requireFlag, type ParsedArgs } from '../args.js';
import { readJsonFile, withFlag, writeNetworkFile } from '../io.js';
import { assertWritable, writeFileAtomic } from '../../output/atomic.js';
import { networkV2ToJson, parseNetworkV2 } from '../../network/json-v2.js';
import { LOSSES } from '../../network/types.js';
import { networkV2In, toV1, type NetworkV2 } from '../../network/v2.js';
import { ARCHITECTURE_FAMILIES, applySymmetryV2, describeSymmetryV2, symmetriesOf, validateSymmetryV2, type ArchitectureFamily, type SymmetryV2 } from '../../symmetry/architecture.js';
import type { Fraction } from 'fraction.js';
import type { CommandResult } from '../command.js';

export const TRANSFORM_USAGE = [
  'flatcheck transform --net IN.json --symmetry layer-scale --alphas 2,1/2 --out OUT.json [--json]',
  'flatcheck transform --net IN.json --symmetry neuron-scale --layer K --scales 2,3,1/5 --out OUT.json',
  'flatcheck transform --net IN.json --symmetry permutation --layer K --perm 2,0,1 --out OUT.json',
  'flatcheck transform --net IN.json --list [--loss mse|cross-entropy] [--json]        (the symmetries this network has)',
  'flatcheck transform --net IN.json --symmetry neuron-scale|batchnorm-scale --at PATH --scales 2,1/3 --out OUT.json',
  'flatcheck transform --net IN.json --symmetry permutation --at PATH --perm 1,0 --out OUT.json',
  'flatcheck transform --net IN.json --symmetry sign-flip --at PATH --signs 1,-1 --out OUT.json',
  'flatcheck transform --net IN.json --symmetry residual-scale --at PATH --scale 4 --out OUT.json',
  'flatcheck transform --net IN.json --symmetry logit-shift [--bias 3] [--row 1,0,2] --loss cross-entropy --out OUT.json',
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

/** The flags of a symmetry of a v2 network (docs/formats.md: PATH is a layer's path, as `--list` prints it). */
function architectureSymmetryFromArgs(args: ParsedArgs): SymmetryV2 {
  const kind = choice(requireFlag(args, 'symmetry'), ARCHITECTURE_FAMILIES, 'symmetry');
  const used: Record<ArchitectureFamily, string[]> = {
    'neuron-scale': ['at', 'scales'],
    'batchnorm-scale': ['at', 'scales'],
    permutation: ['at', 'perm'],
    'sign-flip': ['at', 'signs'],
    'layer-scale': ['alphas'],
    'residual-scale': ['at', 'scale'],
    'logit-shift': ['bias', 'row', 'loss'],
  };
  for (const flag of SYMMETRY_FLAGS) if (args.flags.has(flag) && !used[kind].includes(flag) && flag !== 'loss') throw new UsageError(`--${flag} does not apply to --symmetry ${kind}`);
  const at = () => requireFlag(args, 'at');
  const integers = (flag: string) => requireFlag(args, flag).split(',').map((p, i) => parseInteger(p, `--${flag}[${i}]`));
  switch (kind) {
    case 'neuron-scale':
    case 'batchnorm-scale':
      return { kind, at: at(), scales: parseScalarList(requireFlag(args, 'scales'), '--scales') };
    case 'permutation':
      return { kind, at: at(), perm: integers('perm') };
    case 'sign-flip':
      return { kind, at: at(), signs: integers('signs') };
    case 'layer-scale':
      return { kind, alphas: parseScalarList(requireFlag(args, 'alphas'), '--alphas') };
    case 'residual-scale':
      return { kind, at: at(), scale: positiveScalar(args, 'scale') };
    case 'logit-shift': {
      if (!args.flags.has('bias') && !args.flags.has('row')) throw new UsageError('--symmetry logit-shift needs --bias, --row or both');
      const bias = args.flags.has('bias') ? parseScalarList(requireFlag(args, 'bias'), '--bias')[0] : undefined;
      const row = args.flags.has('row') ? parseScalarList(requireFlag(args, 'row'), '--row') : undefined;
      return { kind, ...(bias !== undefined && { bias }), ...(row && { row }) };
    }
  }
}

const SYMMETRY_FLAGS = ['at', 'scales', 'perm', 'signs', 'alphas', 'scale', 'bias', 'row', 'layer', 'loss'];

/** A v2 network (or an MLP asked with --at or a v2-only family): symmetriesOf decides what is valid, exactly. */
function transformV2(args: ParsedArgs, net: NetworkV2<Scalar>, inPath: string): CommandResult {
  if (args.flags.has('layer')) throw new UsageError('--layer names a hidden layer of a v1 network: for this network name the layer by its path with --at (flatcheck transform --net FILE --list prints them)');
  const loss = args.flags.has('loss') ? choice(requireFlag(args, 'loss'), LOSSES, 'loss') : undefined;
  if (args.flags.has('list')) {
    const sites = symmetriesOf(net, loss);
    if (args.flags.has('json')) return { stdout: JSON.stringify(sites) };
    return { stdout: sites.length === 0 ? 'no symmetry families' : sites.map((s) => `${s.kind}${s.at ? ` --at ${s.at}` : ''}: ${s.space.count} ${s.space.type === 'permutation' ? 'channels to permute' : s.space.type === 'sign' ? 'signs' : s.space.type === 'real' ? 'reals' : 'positive scales'}; ${s.description}`).join('\n') };
  }
  const out = requireFlag(args, 'out');
  assertWritable(out, '--out', 'file');
  const symmetry = architectureSymmetryFromArgs(args);
  withFlagNames(() => validateSymmetryV2(net, symmetry, loss));
  const transformed = applySymmetryV2(rationalField, networkV2In(rationalField, net), symmetry);
  writeFileAtomic(out, `${JSON.stringify(networkV2ToJson(rationalField, transformed), null, 2)}\n`, '--out');
  return { stdout: args.flags.has('json') ? JSON.stringify({ out, symmetry: describeSymmetryV2(symmetry) }) : `wrote ${out}: ${describeSymmetryV2(symmetry)} of ${inPath}` };
}

export async function transformCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['net', 'symmetry', 'alphas', 'layer', 'scales', 'perm', 'out', 'at', 'signs', 'scale', 'bias', 'row', 'loss'], ['json', 'list']);
  const inPath = requireFlag(args, 'net');
  const v2 = withFlag('--net', () => parseNetworkV2(readJsonFile(inPath, '--net')));
  const v1Family = (SYMMETRY_KINDS as readonly string[]).includes(String(args.flags.get('symmetry') ?? ''));
  const v1 = toV1(v2);
  if (!v1 || args.flags.has('list') || args.flags.has('at') || !v1Family) return transformV2(args, v2, inPath);
  const out = requireFlag(args, 'out');
  assertWritable(out, '--out', 'file');
  const net = networkIn(rationalField, v1);
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
