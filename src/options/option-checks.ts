// Copyright loopback4-tenant-registry contributors. MIT License.

import {invalidOptionError} from '../errors';

/** @internal */
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
  if (!ok) {
    const expected = `a number of milliseconds of at least ${min}${
      allowInfinity ? ' or Infinity' : ''
    }`;
    throw invalidOptionError(name, expected, value);
  }
}

/** @internal */
export function checkCount(
  name: string,
  value: unknown,
  allowInfinity: boolean,
): void {
  const ok =
    (typeof value === 'number' && Number.isInteger(value) && value > 0) ||
    (allowInfinity && value === Infinity);
  if (!ok) {
    const expected = `a positive integer${allowInfinity ? ' or Infinity' : ''}`;
    throw invalidOptionError(name, expected, value);
  }
}

/** @internal */
export function isFraction(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && value <= 1;
}
