// Copyright loopback4-tenant-registry contributors. MIT License.

import {invalidOptionError} from '../errors';

/** Throw `INVALID_OPTION` for `name` unless `ok`. @internal */
export function ensure(
  ok: boolean,
  name: string,
  expected: string,
  value: unknown,
): void {
  if (!ok) throw invalidOptionError(name, expected, value);
}

/**
 * Check a duration in milliseconds: at least `min`, finite unless
 * `allowInfinity`.
 *
 * @internal
 */
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

/** Check a positive integer (or `Infinity` when `allowInfinity`). @internal */
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

/** Whether `value` is a fraction above 0 and at most 1. @internal */
export function isFraction(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && value <= 1;
}

/**
 * A group of options (`{}` when unset); anything but an object is refused.
 *
 * @internal
 */
export function checkGroup<T extends object>(
  name: string,
  value: T | undefined,
): T {
  if (value === undefined) return {} as T;
  ensure(isObject(value) && !Array.isArray(value), name, 'an object', value);
  return value;
}

/**
 * Reads the options of one group, each checked, each unset one taken from
 * a table of defaults under the same dotted name.
 *
 * @internal
 */
export class OptionReader<T extends object> {
  readonly given: T;

  constructor(
    value: T | undefined,
    private readonly group: string,
    private readonly defaults: object,
  ) {
    this.given = checkGroup(group || '(component options)', value);
  }

  /** A duration in milliseconds of at least `min`. */
  duration(key: keyof T & string, min: number, allowInfinity = false): number {
    const [name, value] = this.read(key);
    checkDuration(name, value, min, allowInfinity);
    return value as number;
  }

  /** A positive integer (or `Infinity` when allowed). */
  count(key: keyof T & string, allowInfinity = false): number {
    const [name, value] = this.read(key);
    checkCount(name, value, allowInfinity);
    return value as number;
  }

  flag(key: keyof T & string): boolean {
    const [name, value] = this.read(key);
    ensure(typeof value === 'boolean', name, 'true or false', value);
    return value as boolean;
  }

  /** A string matching `pattern`. */
  text(key: keyof T & string, pattern: RegExp, expected: string): string {
    const [name, value] = this.read(key);
    ensure(
      typeof value === 'string' && pattern.test(value),
      name,
      expected,
      value,
    );
    return value as string;
  }

  /** An absolute URL path. */
  path(key: keyof T & string): string {
    return this.text(key, /^\/[\w\-./]*$/, 'a path starting with "/"');
  }

  oneOf<V extends string>(key: keyof T & string, allowed: readonly V[]): V {
    const [name, value] = this.read(key);
    const expected = allowed.map(a => `"${a}"`).join(' or ');
    ensure(allowed.includes(value as V), name, expected, value);
    return value as V;
  }

  private read(key: string): [name: string, value: unknown] {
    const name = this.group ? `${this.group}.${key}` : key;
    const given = (this.given as Record<string, unknown>)[key];
    return [name, given ?? valueAt(this.defaults, name)];
  }
}

/**
 * The value at a dotted name (`admission.cacheTtl`) of an options object.
 *
 * @internal
 */
export function valueAt(root: unknown, dottedName: string): unknown {
  return dottedName
    .split('.')
    .reduce((at, key) => (isObject(at) ? at[key] : undefined), root);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
