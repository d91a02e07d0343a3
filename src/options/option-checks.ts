// Copyright loopback4-tenant-registry contributors. MIT License.

import {invalidOptionError} from '../errors';

/** Throw `INVALID_OPTION` for `name` unless `ok`. */
export function ensure(
  ok: boolean,
  name: string,
  expected: string,
  value: unknown,
): void {
  if (!ok) throw invalidOptionError(name, expected, value);
}

/** Checks the value of the option `name`: throws `INVALID_OPTION`. */
export type Check = (name: string, value: unknown) => void;

export function is(test: (value: unknown) => boolean, expected: string): Check {
  return (name, value) => ensure(test(value), name, expected, value);
}

/** A number of milliseconds of at least `min`, finite unless `allowInfinity`. */
export function ms(min: number, allowInfinity = false): Check {
  const orInfinity = allowInfinity ? ' or Infinity' : '';
  return is(
    // v >= min rules out NaN and -Infinity.
    v => typeof v === 'number' && v >= min && (isFinite(v) || allowInfinity),
    `a number of milliseconds of at least ${min}${orInfinity}`,
  );
}

/** A positive integer (or `Infinity` when `allowInfinity`). */
export function count(allowInfinity = false): Check {
  const orInfinity = allowInfinity ? ' or Infinity' : '';
  return is(
    v =>
      (Number.isInteger(v) && (v as number) > 0) ||
      (allowInfinity && v === Infinity),
    `a positive integer${orInfinity}`,
  );
}

/** A string matching `pattern`. */
export function text(pattern: RegExp, expected: string): Check {
  return is(v => typeof v === 'string' && pattern.test(v), expected);
}

/** A non-empty array each of whose items passes `test`. */
export function list(test: (item: unknown) => boolean, expected: string) {
  return is(v => Array.isArray(v) && v.length > 0 && v.every(test), expected);
}

export const flag = is(v => typeof v === 'boolean', 'true or false');

/** Above 0 and at most 1. */
export function isFraction(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && value <= 1;
}

/** A group of options (`{}` when unset); anything but an object is refused. */
export function checkGroup(
  name: string,
  value: unknown,
): Record<string, unknown> {
  if (value === undefined) return {};
  const ok = typeof value === 'object' && value !== null;
  ensure(ok && !Array.isArray(value), name, 'an object', value);
  return value as Record<string, unknown>;
}
