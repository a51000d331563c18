/**
 * JSON text → values, keeping each number's source text: in a flatcheck
 * file `0.1` means the decimal 1/10, not the double nearest it, and
 * JSON.parse (Node 20 has no source-text access) keeps only the double.
 * Iterative, not recursive, so deep nesting is a named error at MAX_DEPTH
 * rather than a stack overflow. Strings, booleans and null come out as
 * JSON.parse gives them; numbers as JsonNumber.
 */
import { InputError } from '../field/errors.js';

/** A JSON number as written. `value` is its double; the exact decimal is read from `sourceText` (rational.ts, parseDecimal). */
export class JsonNumber {
  readonly value: number;
  constructor(readonly sourceText: string) {
    this.value = Number(sourceText);
  }
  /** JSON.stringify (error messages, re-serialisation) sees the double. */
  toJSON(): number {
    return this.value;
  }
}

export function isJsonNumber(x: unknown): x is JsonNumber {
  return x instanceof JsonNumber;
}

/** Deeper than any flatcheck file (a network is 4 levels): past it the file is malformed, not a stack overflow. */
export const MAX_DEPTH = 64;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings: this is where they are refused
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const LITERAL = /true|false|null/y;
const WHITESPACE = /[ \t\n\r]*/y;

type Container = { kind: 'array'; value: unknown[] } | { kind: 'object'; value: Record<string, unknown>; key?: string };

/**
 * Parses JSON text. Errors are InputErrors naming `what` (a CLI option or
 * "network"/"dataset"), with the line and column of the first bad character.
 */
export function parseJsonText(text: string, what: string, name: unknown = undefined): unknown {
  let at = 0;
  const fail = (expected: string): never => {
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    const found = at >= text.length ? 'the end of the text' : JSON.stringify(text.slice(at, at + 12));
    throw new InputError(what, name ?? snippet(text), `valid JSON (${expected} at line ${line} column ${column}, found ${found})`);
  };
  const skip = () => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return undefined;
    at = re.lastIndex;
    return m[0];
  };
  const stack: Container[] = [];
  let result: unknown;
  let done = false;
  /** Hands a finished value to the container it belongs to (or makes it the result). */
  const deliver = (value: unknown) => {
    const top = stack[stack.length - 1];
    if (!top) {
      result = value;
      done = true;
    } else if (top.kind === 'array') {
      top.value.push(value);
    } else {
      // An own property even for "__proto__", as JSON.parse makes it.
      Object.defineProperty(top.value, top.key!, { value, enumerable: true, writable: true, configurable: true });
      top.key = undefined;
    }
  };
  /** Reads one value; an opening bracket pushes a container and returns, its contents are read by the loop. */
  const value = () => {
    skip();
    const c = text[at];
    if (c === '[' || c === '{') {
      if (stack.length >= MAX_DEPTH) fail(`nesting at most ${MAX_DEPTH} deep`);
      at++;
      stack.push(c === '[' ? { kind: 'array', value: [] } : { kind: 'object', value: {} });
      return;
    }
    if (c === '"') {
      const s = match(STRING) ?? fail('a well-formed string');
      return deliver(JSON.parse(s));
    }
    const number = match(NUMBER);
    if (number !== undefined) return deliver(new JsonNumber(number));
    const literal = match(LITERAL);
    if (literal !== undefined) return deliver(literal === 'null' ? null : literal === 'true');
    fail('a value');
  };
  /** In an object, after "{" or ",": a key and a colon. */
  const key = (top: Extract<Container, { kind: 'object' }>) => {
    skip();
    const s = match(STRING) ?? fail('a key (a string)');
    const k = JSON.parse(s) as string;
    if (Object.prototype.hasOwnProperty.call(top.value, k)) fail(`each key once (${JSON.stringify(k)} is repeated)`);
    skip();
    if (text[at] !== ':') fail('":"');
    at++;
    top.key = k;
  };
  const close = () => {
    const finished = stack.pop()!;
    at++;
    deliver(finished.value);
  };

  value();
  while (!done) {
    const top = stack[stack.length - 1]!;
    skip();
    const c = text[at];
    const empty = top.kind === 'array' ? top.value.length === 0 : Object.keys(top.value).length === 0 && top.key === undefined;
    if (top.kind === 'array') {
      if (c === ']') close();
      else if (empty) value();
      else if (c === ',') {
        at++;
        value();
      } else fail('"," or "]"');
    } else if (top.key === undefined) {
      if (c === '}') close();
      else {
        if (!empty) {
          if (c !== ',') fail('"," or "}"');
          at++;
        }
        key(top);
        value();
      }
    } else {
      fail('a value'); // unreachable: a key is always followed by its value
    }
  }
  skip();
  if (at < text.length) fail('the end of the text');
  return result;
}

function snippet(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
