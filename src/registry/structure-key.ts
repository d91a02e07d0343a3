// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * How to read the parts of a definition that depend on the model builder.
 */
export interface StructureKeyOptions {
  /**
   * Resolve a type written as a string the way juggler would (built-in types
   * case-insensitively, then the builder's models by name). A type that
   * resolves is keyed by the identity of what it resolves to, so `'string'`,
   * `'String'` and `String` share a key, and `'Address'` follows the builder's
   * current `Address` class.
   */
  resolveTypeName?: (name: string) => unknown;
  /** The anonymous model's settings that change behaviour (`strict`). */
  settings?: {strict?: unknown};
  /** Told about everything the key is computed from (see {@link StructureReads}). */
  reads?: StructureReads;
}

/**
 * Receives everything a key is computed from, so that a cache can later tell
 * whether the same definition would still give the same key.
 */
export interface StructureReads {
  /** A plain object or an array whose own entries the key reads. */
  node(node: object): void;
  /** A type written as a string, and {@link typeIdentity} of what it resolved to. */
  typeName(name: string, identity: number): void;
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
 * The canonical structural key of an anonymous model's property definition.
 *
 * @remarks
 * Property order does not matter. Everything that changes behaviour is kept:
 * property names, types (strings resolved as juggler does, constructors and
 * other objects by identity, never by name), nesting, arrays and their item
 * types, property options (`required`, `default`, `id`, ...) and the `strict`
 * setting. Two definitions share a key only when juggler would build
 * equivalent models from them. The key is the full canonical form, so a map
 * lookup on it is a full comparison.
 *
 * It follows juggler's `ModelBuilder.resolveType`: an object with a truthy
 * `type` is a property with options, and any other plain object (or the
 * object given as a `type`) is a nested anonymous model.
 *
 * @param properties - The property map juggler passes to `define()`.
 * @param options - Type-name resolution and settings.
 * @returns A string key.
 * @throws UnkeyableStructureError for cyclic or symbol-valued definitions.
 */
export function computeStructureKey(
  properties: object,
  options: StructureKeyOptions = {},
): string {
  const strict = keyOfValue(options.settings?.strict, 0, options.reads);
  return `${keyOfProperties(properties, options, 0)}|${strict}`;
}

function keyOfProperties(
  properties: object,
  options: StructureKeyOptions,
  depth: number,
): string {
  checkDepth(depth);
  options.reads?.node(properties);
  const record = properties as Record<string, unknown>;
  const names = sortedKeys(record);
  let key = '{';
  for (const name of names) {
    key += `${quote(name)}:${keyOfType(
      record[name],
      false,
      options,
      depth + 1,
    )},`;
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
    const identity = typeIdentity(options.resolveTypeName?.(type));
    options.reads?.typeName(type, identity);
    return identity === 0 ? `S${quote(type)}` : `T${identity}`;
  }
  if (typeof type === 'function') return `T${identityOf(type)}`;
  if (Array.isArray(type)) {
    options.reads?.node(type);
    return `[${type
      .map(item => keyOfType(item, false, options, depth + 1))
      .join(',')}]`;
  }
  if (!isPlainObject(type)) return keyOfValue(type, depth, options.reads);
  const definition = type as Record<string, unknown>;
  if (isSubProperty || !definition.type) {
    return `M${keyOfProperties(definition, options, depth + 1)}`;
  }
  options.reads?.node(definition);
  let key = '(';
  for (const name of sortedKeys(definition)) {
    key +=
      name === 'type'
        ? `type=${keyOfType(definition.type, true, options, depth + 1)},`
        : `${quote(name)}=${keyOfValue(definition[name], depth + 1, options.reads)},`;
  }
  return key + ')';
}

function keyOfValue(
  value: unknown,
  depth: number,
  reads?: StructureReads,
): string {
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
    reads?.node(value);
    return `[${value
      .map(item => keyOfValue(item, depth + 1, reads))
      .join(',')}]`;
  }
  if (!isPlainObject(value)) return `I${identityOf(value as object)}`;
  reads?.node(value as object);
  const record = value as Record<string, unknown>;
  let key = '{';
  for (const name of sortedKeys(record)) {
    key += `${quote(name)}=${keyOfValue(record[name], depth + 1, reads)},`;
  }
  return key + '}';
}

/**
 * Own enumerable keys in code-unit order. Definitions have a handful of
 * properties, where an insertion sort with `<` is several times faster than
 * `Array.prototype.sort()`'s generic comparison.
 */
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

/**
 * A name or string as the key writes it: as is when it holds none of the
 * key's delimiters (the usual plain names: shorter keys hash faster), else
 * JSON-quoted (a quoted text starts with `"`, which a plain one cannot).
 */
function quote(text: string): string {
  return PLAIN.test(text) ? text : JSON.stringify(text);
}

function isPlainObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The number a key uses for a resolved type: a class (any function) by
 * identity, starting at 1; 0 for anything else (a name that resolved to
 * nothing).
 */
export function typeIdentity(resolved: unknown): number {
  return typeof resolved === 'function' ? identityOf(resolved) : 0;
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
