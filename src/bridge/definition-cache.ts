// Copyright loopback4-tenant-registry contributors. MIT License.

import {resolveTypeNameIn, type ModelBuilderLike} from './juggler-shapes';
import {
  computeStructureKey,
  typeIdentity,
  type StructureReads,
} from '../registry/structure-key';

/** Marks a definition seen once: it is cached when it is seen again. */
const SEEN_ONCE = 0;
/** How many first sightings each builder remembers, strongly. */
const RECENT_SIZE = 8;
/**
 * About one first sighting in this many (a power of two) is also remembered
 * weakly, for good; picked pseudo-randomly, so that no periodic pattern of
 * definitions can keep a reused one from ever being picked.
 */
const SAMPLE_EVERY = 16;

interface CachedKey {
  readonly key: string;
  readonly strict: unknown;
  readonly reads: DefinitionReads;
}

/** One builder's cache. */
interface BuilderCache {
  readonly keys: WeakMap<object, CachedKey | typeof SEEN_ONCE>;
  /** The last RECENT_SIZE definitions seen for the first time. */
  readonly recent: (object | undefined)[];
  next: number;
  /** xorshift32 state for sampling. */
  random: number;
}

/**
 * Structure keys of property definitions seen before, per model builder and
 * by the identity of the definition object: a definition object that is
 * resolved again (a model defined from the same object on every request, or
 * rebuilt by juggler) gets its key without recomputing it.
 *
 * @remarks
 * A cached key is used only while it is still the key `computeStructureKey`
 * would compute: every hit re-reads each object and array the key was
 * computed from (own keys, in order, values by `Object.is`, prototypes),
 * resolves each type name again in the builder, and compares the `strict`
 * setting. Any difference recomputes the key.
 *
 * A definition is cached on its second sighting. First sightings go to a
 * short list of recent definitions (a definition reused soon after, as
 * juggler's own rebuilds do, is caught there) and one in `SAMPLE_EVERY` also
 * to a `WeakMap` (a definition reused rarely, such as one per tenant among
 * thousands, is caught within a few dozen sightings). A fresh literal per
 * call so costs a few nanoseconds: adding every object to a `WeakMap`
 * measured 0.3-1.4 us each on Node 20, more than half the key itself.
 * Builders are held weakly; a builder's cache (and its recent list) lives
 * only as long as the builder.
 *
 * @internal
 */
export class DefinitionKeyCache {
  private readonly byBuilder = new WeakMap<ModelBuilderLike, BuilderCache>();
  /** Keys answered from the cache. */
  hits = 0;

  /**
   * The structure key of `definition` in `builder`.
   *
   * @throws UnkeyableStructureError as `computeStructureKey` does.
   */
  keyOf(
    builder: ModelBuilderLike,
    definition: object,
    strict: unknown,
  ): string {
    let cache = this.byBuilder.get(builder);
    if (cache === undefined) {
      cache = {
        keys: new WeakMap(),
        recent: new Array(RECENT_SIZE),
        next: 0,
        random: 0x9e3779b9,
      };
      this.byBuilder.set(builder, cache);
    }
    const cached = cache.keys.get(definition);
    if (cached === undefined && !cache.recent.includes(definition)) {
      rememberFirstSighting(cache, definition);
      return keyIn(builder, definition, strict);
    }
    if (
      cached !== undefined &&
      cached !== SEEN_ONCE &&
      Object.is(cached.strict, strict) &&
      cached.reads.areCurrent(builder)
    ) {
      this.hits++;
      return cached.key;
    }
    const reads = new DefinitionReads();
    const key = keyIn(builder, definition, strict, reads);
    cache.keys.set(
      definition,
      reads.isCacheable ? {key, strict, reads} : SEEN_ONCE,
    );
    return key;
  }
}

function rememberFirstSighting(cache: BuilderCache, definition: object) {
  cache.recent[cache.next] = definition;
  cache.next = (cache.next + 1) % RECENT_SIZE;
  let x = cache.random;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  cache.random = x;
  if ((x & (SAMPLE_EVERY - 1)) === 0) cache.keys.set(definition, SEEN_ONCE);
}

function keyIn(
  builder: ModelBuilderLike,
  definition: object,
  strict: unknown,
  reads?: StructureReads,
): string {
  return computeStructureKey(definition, {
    resolveTypeName: name => resolveTypeNameIn(builder, name),
    settings: {strict},
    reads,
  });
}

const ARRAY = Symbol('array');

/**
 * What a structure key was computed from, as flat lists (one entry per
 * object or array read), and whether it still reads the same.
 */
class DefinitionReads implements StructureReads {
  isCacheable = true;
  private readonly nodes: object[] = [];
  /** Own enumerable keys in order for an object; `ARRAY` for an array. */
  private readonly shapes: (readonly string[] | typeof ARRAY)[] = [];
  private readonly prototypes: unknown[] = [];
  private readonly values: unknown[][] = [];
  private readonly typeNames: string[] = [];
  private readonly typeIdentities: number[] = [];

  node(node: object): void {
    if (Array.isArray(node)) {
      // A hole and an explicit undefined read alike but key differently.
      if (Object.keys(node).length !== node.length) this.isCacheable = false;
      this.shapes.push(ARRAY);
      this.values.push([...node]);
    } else {
      const keys = Object.keys(node);
      const record = node as Record<string, unknown>;
      this.shapes.push(keys);
      this.values.push(keys.map(key => record[key]));
    }
    this.nodes.push(node);
    this.prototypes.push(Object.getPrototypeOf(node));
  }

  typeName(name: string, identity: number): void {
    this.typeNames.push(name);
    this.typeIdentities.push(identity);
  }

  /** Whether every read gives what it gave when the key was computed. */
  areCurrent(builder: ModelBuilderLike): boolean {
    const {nodes, shapes, values} = this;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      const shape = shapes[i];
      const was = values[i];
      if (Object.getPrototypeOf(node) !== this.prototypes[i]) return false;
      if (shape === ARRAY) {
        const array = node as unknown[];
        if (array.length !== was.length) return false;
        for (let j = 0; j < was.length; j++) {
          if (!Object.is(array[j], was[j]) || !(j in array)) return false;
        }
        continue;
      }
      const record = node as Record<string, unknown>;
      let j = 0;
      // for-in reads own keys in order without allocating; an enumerable
      // key added to Object.prototype would differ from the shape and only
      // make the cache miss.
      for (const key in record) {
        if (key !== shape[j] || !Object.is(record[key], was[j])) return false;
        j++;
      }
      if (j !== shape.length) return false;
    }
    const names = this.typeNames;
    for (let i = 0; i < names.length; i++) {
      const resolved = resolveTypeNameIn(builder, names[i]);
      if (typeIdentity(resolved) !== this.typeIdentities[i]) return false;
    }
    return true;
  }
}
