/** File input and output for the CLI: named read errors, and whole-or-nothing writes. */
import { readFileSync } from 'node:fs';
import type { Fraction } from 'fraction.js';
import { InputError } from '../field/errors.js';
import { rationalField } from '../field/rational.js';
import { checkCompatible, networkToJson, parseDataset, parseNetwork } from '../network/json.js';
import type { Network, ScalarDataset, ScalarNetwork } from '../network/types.js';
import { writeFileAtomic } from '../output/atomic.js';
import { requireFlag, type ParsedArgs } from './args.js';

export function readJsonFile(path: string, flag: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(flag, path, `a readable file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(flag, path, `a JSON file (${(e as Error).message})`);
  }
}

/** --net and --data, each validated, and checked against each other. */
export function readNetworkAndData(args: ParsedArgs): { net: ScalarNetwork; data: ScalarDataset } {
  const net = parseNetwork(readJsonFile(requireFlag(args, 'net'), '--net'));
  const data = parseDataset(readJsonFile(requireFlag(args, 'data'), '--data'));
  checkCompatible(net, data);
  return { net, data };
}

/** An exact network as flatcheck.network/v1 ("p/q" strings), written whole or not at all. */
export function writeNetworkFile(path: string, net: Network<Fraction>): void {
  writeFileAtomic(path, `${JSON.stringify(networkToJson(rationalField, net), null, 2)}\n`);
}
