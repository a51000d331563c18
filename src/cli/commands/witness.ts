/** `flatcheck witness hessian`: α with |||∇²L(T_α θ)|||₂ ≥ M, certified exactly, and the transformed network. */
import { InputError, UsageError } from '../../field/errors.js';
import { fractionToNumber, rationalField as Q, toFraction } from '../../field/index.js';
import { datasetIn, networkIn } from '../../network/index.js';
import { lossHessian } from '../../autodiff/derivatives.js';
import { certifyHessianWitness, findHessianWitness } from '../../curvature/witness.js';
import { applySymmetry } from '../../symmetry/index.js';
import { optionalFlag, parseArgs, requireFlag } from '../args.js';
import { assertExactlyEvaluable, readNetworkAndData, writeNetworkFile } from '../io.js';
import { assertWritable } from '../../output/atomic.js';
import type { CommandResult } from '../command.js';
import { positiveScalar } from './transform.js';

export const WITNESS_USAGE = 'flatcheck witness hessian --net NET.json --data DATA.json --bound M [--out OUT.json] [--json]\n       flatcheck witness sharpness --net NET.json --data DATA.json --epsilon E --bound M [--box] [--out OUT.json] [--json]';

export async function witnessCommand(argv: string[]): Promise<CommandResult> {
  if (argv[0] === 'sharpness') return (await import('./sharpness.js')).sharpnessWitnessCommand(argv.slice(1)); // loads TensorFlow.js
  const args = parseArgs(argv, ['net', 'data', 'bound', 'out'], ['json'], 1);
  const [kind, ...extra] = args.positional;
  if (kind !== 'hessian' || extra.length > 0) throw new UsageError(`expected "witness hessian" or "witness sharpness", got "witness ${args.positional.join(' ')}"`);
  const { net: raw, data: rawData } = readNetworkAndData(args);
  if (rawData.loss !== 'mse') throw new InputError('--data', 'cross-entropy', 'an mse dataset (certificates are exact, and cross-entropy is not rational)');
  assertExactlyEvaluable(raw, rawData, '--net', requireFlag(args, 'net'), 'certificates are exact');
  const M = toFraction(positiveScalar(args, 'bound', 'a positive bound'));
  const out = optionalFlag(args, 'out');
  if (out !== undefined) assertWritable(out, '--out', 'file');
  const net = networkIn(Q, raw);
  const data = datasetIn(Q, rawData);
  const witness = findHessianWitness(net, lossHessian(Q, net, data), M);
  if (!witness) {
    const message = 'no witness: every diagonal Hessian entry that a layer-scale can grow is zero here';
    return { stdout: args.flags.has('json') ? JSON.stringify({ witness: null, reason: message }) : message, exitCode: 1 };
  }
  const cert = certifyHessianWitness(net, data, witness, M);
  const ok = cert.outputsIdentical && cert.spectralNormAtLeastBound;
  if (ok && out) writeNetworkFile(out, applySymmetry(Q, net, { kind: 'layer-scale', alphas: witness.alphas }));
  const result = {
    alphas: witness.alphas.map((a) => a.toFraction()),
    value: cert.diagonal.abs().toFraction(),
    approx: fractionToNumber(cert.diagonal.abs()),
    certificate: {
      kind: 'diagonal-entry',
      statement: `|∇²L(T_α θ)[${cert.index}][${cert.index}]| ≥ M, and |||H|||₂ ≥ |H_ii|`,
      index: cert.index,
      bound: M.toFraction(),
      diagonal: cert.diagonal.toFraction(),
      trace: cert.trace.toFraction(),
      traceAtLeastBound: cert.traceAtLeastBound,
      outputsIdentical: cert.outputsIdentical,
      holds: ok,
    },
    ...(out && ok ? { out } : {}),
  };
  if (args.flags.has('json')) return { stdout: JSON.stringify(result), exitCode: ok ? 0 : 1 };
  return {
    stdout: `α = [${result.alphas.join(', ')}]: |∇²L(T_α θ)[${cert.index}][${cert.index}]| = ${result.approx} ≥ ${M.toFraction()} (exact), outputs identical: ${cert.outputsIdentical}${out && ok ? `; wrote ${out}` : ''}`,
    exitCode: ok ? 0 : 1,
  };
}
