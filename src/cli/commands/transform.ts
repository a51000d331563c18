/** `flatcheck transform`: apply a symmetry to a network file, exactly, writing the result whole or not at all. */
import type { Scalar } from '../../field/field.js';
import { InputError } from '../../field/errors.js';
import { parseRational, rationalField, toFraction } from '../../field/index.js';
import { networkIn, parseNetwork } from '../../network/index.js';
import { applySymmetry, describeSymmetry, SYMMETRY_KINDS, type Symmetry } from '../../symmetry/index.js';
import { choice, parseArgs, parseInteger, requireFlag, UsageError, type ParsedArgs } from '../args.js';
import { readJsonFile, writeNetworkFile } from '../io.js';
import type { CommandResult } from '../command.js';

export const TRANSFORM_USAGE = [
  'flatcheck transform --net IN.json --symmetry layer-scale --alphas 2,1/2 --out OUT.json [--json]',
  'flatcheck transform --net IN.json --symmetry neuron-scale --layer K --scales 2,3,1/5 --out OUT.json',
  'flatcheck transform --net IN.json --symmetry permutation --layer K --perm 2,0,1 --out OUT.json',
].join('\n       ');

/** "2,1/2,0.25,1e-3": rationals and decimals exactly; exponent notation as a float. */
export function parseScalarList(text: string, flag: string): Scalar[] {
  return text.split(',').map((raw, i) => {
    const part = raw.trim(); // "2, 1/2" on a command line means the same as "2,1/2"
    const exact = parseRational(part);
    if (exact) return exact;
    const float = Number(part);
    if (part.trim() !== '' && Number.isFinite(float)) return float;
    throw new InputError(`${flag}[${i}]`, part, 'a number or an exact rational like 1/2');
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
  const net = networkIn(rationalField, parseNetwork(readJsonFile(inPath, '--net')));
  const symmetry = symmetryFromArgs(args);
  const transformed = withFlagNames(() => applySymmetry(rationalField, net, symmetry));
  writeNetworkFile(out, transformed);
  const description = describeSymmetry(symmetry);
  return { stdout: args.flags.has('json') ? JSON.stringify({ out, symmetry: description }) : `wrote ${out}: ${description} of ${inPath}` };
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
