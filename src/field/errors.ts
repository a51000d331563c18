/**
 * The error model, in one place. Three kinds of error are the user's to fix
 * and exit 2 with a one-line message and no stack: bad input (names the field
 * or option and the value), bad usage (a missing or unknown option), and a
 * derivative asked for where it is undefined (a ReLU kink: says where).
 * Anything else is internal — a bug — and exits 1 with its stack.
 */

/** Bad input, from any layer: names the field (or CLI option) and the offending value. */
export class InputError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`${field}: expected ${expected}, got ${describeValue(value)}`);
    this.name = 'InputError';
  }
}

/** A command line that does not parse: an unknown, missing or repeated option (the CLI prints its usage too). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A derivative asked for at a pre-activation exactly 0 of a kinked activation: undefined, and this says where. */
export class KinkError extends Error {
  constructor(
    readonly sample: number,
    /** A v1 layer's 0-based index, or a v2 layer's path (`layers[2].body[0]`). */
    readonly layer: number | string,
    readonly unit: number,
    readonly what = 'has pre-activation exactly 0 at a kink',
  ) {
    super(`derivative undefined here: sample ${sample}, ${typeof layer === 'number' ? `layer ${layer} (0-based)` : layer}, unit ${unit} ${what}`);
    this.name = 'KinkError';
  }
}

/** Whether `e` is the user's to fix (exit 2, message only) rather than a bug (exit 1, with the stack). */
export function isUserError(e: unknown): e is InputError | UsageError | KinkError {
  return e instanceof InputError || e instanceof UsageError || e instanceof KinkError;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value); // JSON.stringify(NaN) would say null
  if (typeof value === 'bigint') return `${value}n`;
  if (isRationalLike(value)) return value.toFraction();
  if (hasSourceText(value)) return value.sourceText; // a number as written in a JSON file
  if (Array.isArray(value) && value.some((x) => isRationalLike(x) || hasSourceText(x))) return `[${value.map(describeValue).join(', ')}]`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function hasSourceText(x: unknown): x is { sourceText: string } {
  return typeof x === 'object' && x !== null && typeof (x as { sourceText?: unknown }).sourceText === 'string';
}

function isRationalLike(x: unknown): x is { toFraction(): string } {
  return typeof x === 'object' && x !== null && typeof (x as { toFraction?: unknown }).toFraction === 'function';
}
