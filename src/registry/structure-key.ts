// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  resolveTypeNameIn,
  type ModelBuilderLike,
} from '../bridge/juggler-shapes';

/** How to read the parts of a definition that depend on the model builder. */
export interface StructureKeyOptions {
  /** Resolve a type name as juggler would: `'string'` keys as `String`. */
  resolveTypeName?: (name: string) => unknown;
  settings?: {strict?: unknown};
}

/** Raised when a definition cannot be keyed (a cycle, a symbol). */
export class UnkeyableStructureError extends Error {
  constructor(reason: string) {
    super(`Cannot compute a structure key: ${reason}`);
    this.name = 'UnkeyableStructureError';
  }
}

const MAX_DEPTH = 32;
const identities = new WeakMap<object, number>();
let nextIdentity = 1;

/**
 * The canonical key of an anonymous model's property definition: equal only
 * when juggler would build equivalent models (property order aside; types
 * and other objects by identity, never by name), and the full canonical form,
 * so a map lookup on it is a full comparison. As in juggler's
 * `ModelBuilder.resolveType`, an object with a truthy `type` is a property
 * with options; any other plain object is a nested model. Throws
 * `UnkeyableStructureError` for cyclic or symbol-valued definitions.
 */
export function computeStructureKey(
  properties: object,
  options: StructureKeyOptions = {},
): string {
  const strict = keyOfValue(options.settings?.strict, 0);
  return `${keyOfProperties(properties, options, 0)}|${strict}`;
}

/** {@link computeStructureKey} with type names resolved in `builder`. */
export function structureKeyIn(
  builder: ModelBuilderLike,
  properties: object,
  settings?: {strict?: unknown},
): string {
  const resolveTypeName = (name: string) => resolveTypeNameIn(builder, name);
  return computeStructureKey(properties, {resolveTypeName, settings});
}

function keyOfProperties(
  properties: object,
  options: StructureKeyOptions,
  depth: number,
): string {
  checkDepth(depth);
  const record = properties as Record<string, unknown>;
  let key = '{';
  for (const name of sortedKeys(record)) {
    key += `${quote(name)}:${keyOfType(record[name], false, options, depth + 1)},`;
  }
  return key + '}';
}

function keyOfType(
  type: unknown,
  isSubProperty: boolean,
  options: StructureKeyOptions,
  depth: number,
): string {
  checkDepth(depth);
  if (typeof type === 'string') {
    const resolved = options.resolveTypeName?.(type);
    return typeof resolved === 'function'
      ? `T${identityOf(resolved)}`
      : `S${quote(type)}`;
  }
  if (typeof type === 'function') return `T${identityOf(type)}`;
  if (Array.isArray(type)) {
    return `[${type
      .map(item => keyOfType(item, false, options, depth + 1))
      .join(',')}]`;
  }
  if (!isPlainObject(type)) return keyOfValue(type, depth);
  const definition = type as Record<string, unknown>;
  if (isSubProperty || !definition.type) {
    return `M${keyOfProperties(definition, options, depth + 1)}`;
  }
  let key = '(';
  for (const name of sortedKeys(definition)) {
    key +=
      name === 'type'
        ? `type=${keyOfType(definition.type, true, options, depth + 1)},`
        : `${quote(name)}=${keyOfValue(definition[name], depth + 1)},`;
  }
  return key + ')';
}

function keyOfValue(value: unknown, depth: number): string {
  checkDepth(depth);
  switch (typeof value) {
    case 'string':
      return `s${quote(value)}`;
    case 'number':
      return Object.is(value, -0) ? 'n-0' : `n${value}`;
    case 'boolean':
      return value ? 'b1' : 'b0';
    case 'undefined':
      return 'u';
    case 'bigint':
      return `g${value}`;
    case 'function':
      return `F${identityOf(value)}`;
    case 'symbol':
      throw new UnkeyableStructureError('a symbol value');
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    return `[${value.map(item => keyOfValue(item, depth + 1)).join(',')}]`;
  }
  if (!isPlainObject(value)) return `I${identityOf(value as object)}`;
  const record = value as Record<string, unknown>;
  let key = '{';
  for (const name of sortedKeys(record)) {
    key += `${quote(name)}=${keyOfValue(record[name], depth + 1)},`;
  }
  return key + '}';
}

/** Own keys in code-unit order, by insertion sort (docs/performance.md). */
function sortedKeys(record: object): string[] {
  const keys = Object.keys(record);
  if (keys.length > 32) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const current = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > current) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = current;
  }
  return keys;
}

const PLAIN = /^[\w$.-]*$/;

/** Plain names as they are, others JSON-quoted (so they start with `"`). */
function quote(text: string): string {
  return PLAIN.test(text) ? text : JSON.stringify(text);
}

function isPlainObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function identityOf(value: object): number {
  let identity = identities.get(value);
  if (identity === undefined) {
    identity = nextIdentity++;
    identities.set(value, identity);
  }
  return identity;
}

function checkDepth(depth: number): void {
  if (depth > MAX_DEPTH) {
    throw new UnkeyableStructureError(
      `nested deeper than ${MAX_DEPTH} levels (a cycle?)`,
    );
  }
}
