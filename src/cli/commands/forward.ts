/** `flatcheck forward`: outputs and loss of a network (flatcheck.network/v1 or v2) on a dataset, in any engine. */
import type { Field, Scalar } from '../../field/field.js';
import { float64Field } from '../../field/float64.js';
import { rationalField } from '../../field/rational.js';
import { datasetIn, forward, loss, networkIn, scalarToJson, type ScalarDataset, type ScalarNetwork } from '../../network/index.js';
import { networkV2In, type NetworkV2 } from '../../network/v2.js';
import { forwardV2, lossV2 } from '../../network/v2-forward.js';
import { choice, optionalFlag, parseArgs } from '../args.js';
import { assertExactlyEvaluable, assertExactlyEvaluableV2, assertFinite, readNetworkAndDataV2 } from '../io.js';
import type { CommandResult } from '../command.js';

export const FORWARD_FIELDS = ['rational', 'float64', 'tfjs'] as const;
export const FORWARD_USAGE = 'flatcheck forward --net NET.json --data DATA.json [--field rational|float64|tfjs] [--json]   (NET: flatcheck.network/v1 or v2, every engine; tfjs: float32)';

function inField<T>(F: Field<T>, net: ScalarNetwork, data: ScalarDataset) {
  const N = networkIn(F, net);
  const D = datasetIn(F, data);
  return { outputs: forward(F, N, D.inputs).map((row) => row.map((v) => scalarToJson(F, v))), loss: scalarToJson(F, loss(F, N, D)) };
}

/** A v2 network that is not an MLP: the v2 forward pass. */
function inFieldV2<T>(F: Field<T>, net: NetworkV2<Scalar>, data: ScalarDataset) {
  const N = networkV2In(F, net);
  const D = datasetIn(F, data);
  return { outputs: forwardV2(F, N, D.inputs).map((row) => row.map((v) => scalarToJson(F, v))), loss: scalarToJson(F, lossV2(F, N, D)) };
}

/** A v2 network that is not an MLP, in TensorFlow.js (float32; train-mode batch norm included). */
async function inTensorsV2(net: NetworkV2<Scalar>, data: ScalarDataset) {
  const { initTensorBackend, TensorProblemV2 } = await import('../../tensor/index.js'); // TensorFlow.js only for this field
  const backend = await initTensorBackend();
  const problem = new TensorProblemV2(networkV2In(float64Field, net), datasetIn(float64Field, data));
  try {
    return { outputs: problem.forward(), loss: problem.loss(), backend };
  } finally {
    problem.dispose();
  }
}

export async function forwardCommand(argv: string[]): Promise<CommandResult> {
  const args = parseArgs(argv, ['net', 'data', 'field'], ['json']);
  const { net: v2, mlp: net, data } = readNetworkAndDataV2(args);
  const field = choice(optionalFlag(args, 'field') ?? 'rational', FORWARD_FIELDS, 'field');
  let result: { outputs: (number | string)[][]; loss: number | string; backend?: string };
  if (!net) {
    if (field === 'rational') assertExactlyEvaluableV2(v2, data, '--field', field, 'use --field float64 or tfjs');
    result = field === 'tfjs' ? await inTensorsV2(v2, data) : field === 'rational' ? inFieldV2(rationalField, v2, data) : inFieldV2(float64Field, v2, data);
  } else {
    if (field === 'rational') assertExactlyEvaluable(net, data, '--field', field, 'use --field float64 or tfjs');
    if (field === 'tfjs') {
      const { initTensorBackend, tensorForward } = await import('../../tensor/index.js'); // TensorFlow.js only for this field
      const backend = await initTensorBackend();
      result = { ...tensorForward(networkIn(float64Field, net), datasetIn(float64Field, data)), backend };
    } else {
      result = field === 'rational' ? inField(rationalField, net, data) : inField(float64Field, net, data);
    }
  }
  // JSON has no Infinity (JSON.stringify would print null): a float past its range is reported, not written.
  if (field !== 'rational') assertFinite([...(result.outputs.flat() as number[]), result.loss as number], '--field', field, 'an output or the loss');
  if (args.flags.has('json')) return { stdout: JSON.stringify(result) };
  const lines = result.outputs.map((row, i) => `sample ${i}: ${row.join('  ')}`);
  lines.push(`loss (${data.loss}, ${field}${result.backend ? `/${result.backend}` : ''}): ${result.loss}`);
  return { stdout: lines.join('\n') };
}
