/** A small, strict argument parser: unknown flags and missing values are usage errors (exit 2). */
import { InputError, UsageError } from '../field/errors.js';

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

/** `booleanFlags` take no value; every other allowed flag takes exactly one, not empty. More than `maxPositional` plain arguments is a usage error. */
export function parseArgs(argv: readonly string[], valueFlags: readonly string[], booleanFlags: readonly string[], maxPositional = 0): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (flags.has(name)) throw new UsageError(`--${name} is given twice`);
    if (booleanFlags.includes(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
    } else if (valueFlags.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      if (value === '') throw new UsageError(`--${name} needs a value, got ""`);
      flags.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name} (expected one of ${[...valueFlags, ...booleanFlags].map((f) => `--${f}`).join(', ')})`);
    }
  }
  if (positional.length > maxPositional) throw new UsageError(`unexpected argument "${positional[maxPositional]}"`);
  return { positional, flags };
}

export function requireFlag(args: ParsedArgs, name: string): string {
  const value = args.flags.get(name);
  if (typeof value !== 'string') throw new UsageError(`--${name} is required`);
  return value;
}

export function optionalFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

export function choice<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!allowed.includes(value as T)) throw new InputError(`--${flag}`, value, allowed.map((a) => `"${a}"`).join(', '));
  return value as T;
}

export function parseInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) throw new InputError(flag, text, 'an integer');
  return value;
}
