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

/** A number of milliseconds of at least `min`, finite unless `allowInfinity`. */
export function checkDuration(
  name: string,
  value: unknown,
  min: number,
  allowInfinity: boolean,
): void {
  const ok =
    typeof value === 'number' &&
    value >= min &&
    (Number.isFinite(value) || (allowInfinity && value === Infinity));
  const expected = `a number of milliseconds of at least ${min}`;
  ensure(ok, name, expected + (allowInfinity ? ' or Infinity' : ''), value);
}

/** A positive integer (or `Infinity` when `allowInfinity`). */
export function checkCount(
  name: string,
  value: unknown,
  allowInfinity: boolean,
): void {
  const ok =
    (typeof value === 'number' && Number.isInteger(value) && value > 0) ||
    (allowInfinity && value === Infinity);
  const expected = `a positive integer${allowInfinity ? ' or Infinity' : ''}`;
  ensure(ok, name, expected, value);
}

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

/** Checks the value of the option `name`; throws `INVALID_OPTION`. */
export type Check = (name: string, value: unknown) => void;

export function is(test: (value: unknown) => boolean, expected: string): Check {
  return (name, value) => ensure(test(value), name, expected, value);
}

export function ms(min: number, allowInfinity = false): Check {
  return (name, value) => checkDuration(name, value, min, allowInfinity);
}

export function count(allowInfinity = false): Check {
  return (name, value) => checkCount(name, value, allowInfinity);
}

/** A string matching `pattern`. */
export function text(pattern: RegExp, expected: string): Check {
  return is(v => typeof v === 'string' && pattern.test(v), expected);
}

export const flag = is(v => typeof v === 'boolean', 'true or false');
