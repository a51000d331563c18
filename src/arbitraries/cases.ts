/** Helpers shared by the properties: turning drawn values into a concrete case, and discarding kinks. */
import fc from 'fast-check';
import type { Field } from '../field/field.js';
import { KinkError } from '../field/errors.js';
import { datasetIn, networkIn } from '../network/index.js';
import { shapeOf, type Dataset, type Network, type NetworkShape, type ScalarNetwork } from '../network/types.js';
import { applySymmetry, type Symmetry } from '../symmetry/index.js';
import { fitDataset, type RawDataset } from './dataset.js';
import { fitSymmetry, type RawSymmetry } from './symmetry.js';

export interface SymmetryCase<T> {
  shape: NetworkShape;
  sym: Symmetry;
  net: Network<T>;
  data: Dataset<T> & { loss: 'mse' };
  /** Sθ, computed in F. */
  transformed: Network<T>;
}

/** The network, its mse data, the symmetry fitted to its shape, and Sθ, all in field F. */
export function symmetryCase<T>(F: Field<T>, raw: ScalarNetwork, rawData: RawDataset, rawSym: RawSymmetry): SymmetryCase<T> {
  const shape = shapeOf(raw);
  const sym = fitSymmetry(rawSym, shape);
  const net = networkIn(F, raw);
  const data = datasetIn(F, fitDataset(rawData, shape, 'mse')) as Dataset<T> & { loss: 'mse' };
  return { shape, sym, net, data, transformed: applySymmetry(F, net, sym) };
}

/** Runs `f`, discarding the fast-check case (fc.pre) when it sits exactly on a kink, where derivatives are undefined. */
export function offKinks<R>(f: () => R): R {
  try {
    return f();
  } catch (e) {
    fc.pre(!(e instanceof KinkError));
    throw e;
  }
}
