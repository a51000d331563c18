export * from './types.js';
export * from './flat.js';
export * from './forward.js';
export * from './json.js';
export * from './json-text.js';
export * from './random.js';
import type { Field } from '../field/field.js';
import type { Dataset, Network, ScalarDataset, ScalarNetwork } from './types.js';
import { mapDataset, mapNetwork } from './types.js';

/** The network's numbers in field F (exact in the rational field: a float becomes the rational it denotes). */
export function networkIn<T>(F: Field<T>, net: ScalarNetwork): Network<T> {
  return mapNetwork(net, (x) => F.fromScalar(x));
}

export function datasetIn<T>(F: Field<T>, data: ScalarDataset): Dataset<T> {
  return mapDataset(data, (x) => F.fromScalar(x));
}
