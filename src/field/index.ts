export * from './field.js';
export * from './rational.js';
export * from './float64.js';
export * from './bignumber.js';
export * from './dual.js';
import type { Field, FieldName } from './field.js';
import { rationalField } from './rational.js';
import { float64Field } from './float64.js';
import { bigNumberField } from './bignumber.js';

export function fieldByName(name: FieldName): Field<unknown> {
  switch (name) {
    case 'rational': return rationalField as Field<unknown>;
    case 'float64': return float64Field as Field<unknown>;
    case 'bignumber': return bigNumberField as Field<unknown>;
  }
}
export * from './random.js';
export * from './errors.js';
export * as interval from './interval.js';
