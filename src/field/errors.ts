/** The one error type for bad input: it names the field and the offending value. */
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

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value); // JSON.stringify(NaN) would say null
  if (typeof value === 'bigint') return `${value}n`;
  if (isRationalLike(value)) return value.toFraction();
  if (Array.isArray(value) && value.some(isRationalLike)) return `[${value.map(describeValue).join(', ')}]`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isRationalLike(x: unknown): x is { toFraction(): string } {
  return typeof x === 'object' && x !== null && typeof (x as { toFraction?: unknown }).toFraction === 'function';
}
