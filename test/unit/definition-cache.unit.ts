// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import fc from 'fast-check';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {DefinitionKeyCache} from '../../src/bridge/definition-cache';
import {
  resolveTypeNameIn,
  type ModelBuilderLike,
} from '../../src/bridge/juggler-shapes';
import {computeStructureKey} from '../../src/registry/structure-key';
import {builderOf, givenMemoryDataSource} from '../fixtures/juggler';

type Definition = Record<string, unknown>;

describe('DefinitionKeyCache', () => {
  let cache: DefinitionKeyCache;
  let builder: ModelBuilderLike;

  beforeEach(() => {
    cache = new DefinitionKeyCache();
    builder = builderOf(givenMemoryDataSource());
  });

  it('gives the key computeStructureKey gives, before and after caching', () => {
    const definition = {street: String, zip: {type: 'number', required: true}};
    for (let sighting = 0; sighting < 4; sighting++) {
      expect(cache.keyOf(builder, definition, false)).to.equal(
        expected(builder, definition),
      );
    }
  });

  describe('never answers a stale key for a cached definition that changed', () => {
    const cases: [string, (d: Definition) => void][] = [
      ['a property added', d => (d.extra = String)],
      ['a property removed', d => delete d.zip],
      ['a type changed', d => (d.street = Number)],
      ['an option changed', d => ((d.zip as Definition).required = false)],
      ['a nested property changed', d => ((d.contact as Definition).a = Date)],
      ['a nested object replaced', d => (d.contact = {a: Number, b: String})],
      ['an array item changed', d => ((d.tags as unknown[])[0] = {x: Date})],
      ['an array item added', d => (d.tags as unknown[]).push({y: String})],
      ['a nested object made a class instance', d => setProtoOfContact(d)],
      ['a property made non-enumerable', d => hideStreet(d)],
      ['an undefined option deleted, another added', d => swapOption(d)],
    ];
    for (const [change, mutate] of cases) {
      it(`(${change})`, () => {
        const definition = givenDefinition();
        const before = expected(builder, definition);
        for (let i = 0; i < 3; i++) cache.keyOf(builder, definition, false);
        mutate(definition);
        const after = expected(builder, definition);
        expect(after).to.not.equal(before);
        expect(cache.keyOf(builder, definition, false)).to.equal(after);
        expect(cache.keyOf(builder, definition, false)).to.equal(after);
      });
    }
  });

  it('follows a named type redefined in the builder', () => {
    const define = (builder as unknown as {define: Function}).define;
    define.call(builder, 'Address', {street: String});
    const definition = {home: 'Address'};
    const before = cache.keyOf(builder, definition, false);
    cache.keyOf(builder, definition, false);
    expect(cache.keyOf(builder, definition, false)).to.equal(before);
    define.call(builder, 'Address', {street: String, zip: String});
    const after = cache.keyOf(builder, definition, false);
    expect(after).to.not.equal(before);
    expect(after).to.equal(expected(builder, definition));
  });

  it('keys a definition per builder (a name may resolve differently)', () => {
    const other = builderOf(givenMemoryDataSource());
    const define = (b: ModelBuilderLike) =>
      (b as unknown as {define: Function}).define.call(b, 'Money', {});
    define(builder);
    define(other);
    const definition = {price: 'Money'};
    for (let i = 0; i < 3; i++) {
      expect(cache.keyOf(builder, definition, false)).to.equal(
        expected(builder, definition),
      );
      expect(cache.keyOf(other, definition, false)).to.equal(
        expected(other, definition),
      );
    }
    expect(cache.keyOf(builder, definition, false)).to.not.equal(
      cache.keyOf(other, definition, false),
    );
  });

  it('keys the strict setting', () => {
    const definition = {a: String};
    for (let i = 0; i < 3; i++) cache.keyOf(builder, definition, false);
    expect(cache.keyOf(builder, definition, true)).to.equal(
      expected(builder, definition, true),
    );
  });

  it('caches a definition seen again soon after', () => {
    const definition = {reused: String};
    cache.keyOf(builder, definition, false);
    cache.keyOf(builder, {fresh: String}, false);
    cache.keyOf(builder, definition, false);
    expect(cache.hits).to.equal(0);
    cache.keyOf(builder, definition, false);
    expect(cache.hits).to.equal(1);
  });

  it('caches a definition seen again long after, among fresh literals', () => {
    const definition = {reused: String};
    for (let i = 0; i < 100; i++) {
      for (let j = 0; j < 15; j++) {
        cache.keyOf(builder, {fresh: String, n: {type: String, default: j}}, 0);
      }
      cache.keyOf(builder, definition, 0);
    }
    expect(cache.hits).to.be.above(50);
  });

  it('does not keep a builder alive', async () => {
    const gc = exposeGc();
    let ref: WeakRef<object> | undefined;
    (() => {
      const dropped = builderOf(givenMemoryDataSource());
      ref = new WeakRef(dropped);
      const definition = {a: {type: 'string'}};
      for (let i = 0; i < 3; i++) cache.keyOf(dropped, definition, false);
    })();
    for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
      await new Promise(resolve => setImmediate(resolve));
      gc();
    }
    expect(ref.deref()).to.be.undefined();
  });

  describe('properties (fast-check)', () => {
    it('always agrees with computeStructureKey under random changes', () => {
      fc.assert(
        fc.property(
          definitionArb,
          fc.array(changeArb, {maxLength: 6}),
          (d, changes) => {
            for (const change of changes) {
              for (let i = 0; i < 3; i++) {
                expect(cache.keyOf(builder, d, false)).to.equal(
                  expected(builder, d),
                );
              }
              change(d);
            }
            expect(cache.keyOf(builder, d, false)).to.equal(
              expected(builder, d),
            );
          },
        ),
        {seed: 1717, numRuns: 300},
      );
    });
  });
});

function expected(
  builder: ModelBuilderLike,
  definition: object,
  strict: unknown = false,
): string {
  return computeStructureKey(definition, {
    resolveTypeName: name => resolveTypeNameIn(builder, name),
    settings: {strict},
  });
}

function givenDefinition(): Definition {
  return {
    street: String,
    zip: {type: String, required: true, default: undefined},
    contact: {a: String, b: String},
    tags: [{label: String}],
  };
}

function setProtoOfContact(d: Definition): void {
  Object.setPrototypeOf(d.contact, class Contact {}.prototype);
}

function hideStreet(d: Definition): void {
  Object.defineProperty(d, 'street', {enumerable: false});
}

function swapOption(d: Definition): void {
  const zip = d.zip as Definition;
  delete zip.default;
  zip.index = undefined;
}

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const names = fc.constantFrom('a', 'b', 'street', 'zip', 'tags');
const typeArb = fc.constantFrom<unknown>(
  String,
  Number,
  Date,
  'string',
  'Nope',
);
const definitionArb: fc.Arbitrary<Definition> = fc.letrec(tie => ({
  value: fc.oneof(
    {depthSize: 'small', withCrossShrink: true},
    typeArb,
    fc.record({type: typeArb, required: fc.boolean()}),
    fc.array(tie('props'), {minLength: 1, maxLength: 1}),
    tie('props'),
  ),
  props: fc.dictionary(names, tie('value'), {minKeys: 1, maxKeys: 3}),
})).props as fc.Arbitrary<Definition>;

/** A change somewhere in a definition: on the top level or one level down. */
const changeArb: fc.Arbitrary<(d: Definition) => void> = fc
  .tuple(fc.nat(), fc.constantFrom('add', 'delete', 'retype', 'nest'), typeArb)
  .map(([pick, kind, type]) => (d: Definition) => {
    const keys = Object.keys(d);
    const key = keys[pick % keys.length];
    const inner = d[key];
    const target =
      pick % 2 === 1 && inner !== null && typeof inner === 'object'
        ? ((Array.isArray(inner) ? inner[0] : inner) as Definition)
        : d;
    const targetKeys = Object.keys(target);
    const name = targetKeys[pick % Math.max(1, targetKeys.length)] ?? 'a';
    if (kind === 'add') target[`${name}_${pick % 3}`] = type;
    else if (kind === 'delete' && targetKeys.length > 1) delete target[name];
    else if (kind === 'retype') target[name] = type;
    else target[name] = {nested: type};
  });
