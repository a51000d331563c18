/** A field by its name (the CLI's and the files' `--field rational|float64|bignumber`). */
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
