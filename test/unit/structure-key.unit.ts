// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import fc from 'fast-check';
import {
  computeStructureKey,
  UnkeyableStructureError,
} from '../../src/registry/structure-key';

const BUILTINS: Record<string, unknown> = {
  string: String,
  number: Number,
  boolean: Boolean,
  date: Date,
};
const resolveTypeName = (name: string) => BUILTINS[name.toLowerCase()];
const key = (properties: object, strict: unknown = false) =>
  computeStructureKey(properties, {resolveTypeName, settings: {strict}});

describe('computeStructureKey()', () => {
  it('does not depend on property order', () => {
    expect(key({street: String, zip: Number})).to.equal(
      key({zip: Number, street: String}),
    );
  });

  it('resolves type strings as juggler does (case-insensitive built-ins)', () => {
    expect(key({a: 'string'})).to.equal(key({a: String}));
    expect(key({a: 'String'})).to.equal(key({a: 'string'}));
    expect(key({a: {type: 'number'}})).to.equal(key({a: {type: Number}}));
  });

  it('keeps constructor types apart (the collision that loses data)', () => {
    expect(key({street: String, zip: Number})).to.not.equal(
      key({street: Number, zip: Date}),
    );
  });

  it('keys a non-built-in constructor by identity, never by name', () => {
    const A = class Money {};
    const B = class Money {};
    expect(key({price: A})).to.equal(key({price: A}));
    expect(key({price: A})).to.not.equal(key({price: B}));
  });

  it('keys an unresolved type name by its spelling', () => {
    expect(key({a: 'Address'})).to.not.equal(key({a: 'address'}));
    expect(key({a: 'Address'})).to.equal(key({a: 'Address'}));
  });

  it('follows what a type name resolves to now', () => {
    let current: unknown = class Address {};
    const resolve = (name: string) =>
      name === 'Address' ? current : undefined;
    const before = computeStructureKey(
      {a: 'Address'},
      {resolveTypeName: resolve},
    );
    current = class Address {};
    const after = computeStructureKey(
      {a: 'Address'},
      {resolveTypeName: resolve},
    );
    expect(before).to.not.equal(after);
  });

  it('tells nesting, arrays, options and strict apart', () => {
    const keys = [
      key({a: {b: String}}),
      key({a: {b: {c: String}}}),
      key({a: [{b: String}]}),
      key({a: [String]}),
      key({a: String}),
      key({a: {type: String, required: true}}),
      key({a: {type: String, required: false}}),
      key({a: {type: String, default: 'x'}}),
      key({a: {type: String, default: 'X'}}),
      key({a: {type: String, id: true}}),
      key({a: {type: {b: String}}}),
      key({a: {b: String}}, true),
      key({a: {b: String}}, 'filter'),
    ];
    expect(new Set(keys).size).to.equal(keys.length);
  });

  it('treats an object given as a type as a nested model, as juggler does', () => {
    expect(key({a: {type: {type: String}}})).to.equal(
      key({a: {type: {type: String}}}),
    );
    expect(key({a: {type: {type: String}}})).to.not.equal(
      key({a: {type: String}}),
    );
  });

  it('keys a function option by identity', () => {
    const now = () => Date.now();
    expect(key({at: {type: Date, default: now}})).to.equal(
      key({at: {type: Date, default: now}}),
    );
    expect(key({at: {type: Date, default: now}})).to.not.equal(
      key({at: {type: Date, default: () => Date.now()}}),
    );
  });

  it('refuses a cyclic definition with UnkeyableStructureError', () => {
    const cyclic: Record<string, unknown> = {type: String};
    cyclic.meta = cyclic;
    expect(() => key({a: cyclic})).to.throw(UnkeyableStructureError);
  });

  it('refuses a symbol value', () => {
    expect(() => key({a: {type: String, tag: Symbol('x')}})).to.throw(
      UnkeyableStructureError,
    );
  });

  describe('properties (fast-check)', () => {
    const names = fc.constantFrom('a', 'b', 'street', 'zip', 'items', 'qty');
    const typeArb = fc.constantFrom<unknown>(
      String,
      Number,
      Boolean,
      Date,
      'string',
      'Custom',
    );
    const definition: fc.Arbitrary<Record<string, unknown>> = fc.letrec(
      tie => ({
        value: fc.oneof(
          {depthSize: 'small', withCrossShrink: true},
          typeArb,
          fc.record({
            type: typeArb,
            required: fc.boolean(),
          }),
          fc.array(typeArb, {minLength: 1, maxLength: 1}),
          tie('props'),
        ),
        props: fc.dictionary(names, tie('value'), {minKeys: 1, maxKeys: 4}),
      }),
    ).props as fc.Arbitrary<Record<string, unknown>>;

    it('is stable under property reordering', () => {
      fc.assert(
        fc.property(definition, props => {
          expect(key(reverseDeep(props))).to.equal(key(props));
        }),
        {seed: 4242, numRuns: 300},
      );
    });

    it('changes with any single change of name, type, nesting or array-ness', () => {
      fc.assert(
        fc.property(definition, fc.nat(), (props, pick) => {
          for (const mutated of mutations(props, pick)) {
            expect(key(mutated)).to.not.equal(key(props));
          }
        }),
        {seed: 4242, numRuns: 300},
      );
    });
  });
});

function reverseDeep(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  const entries = Object.entries(value).reverse();
  return Object.fromEntries(entries.map(([k, v]) => [k, reverseDeep(v)]));
}

/** Single changes to one top-level property: each must change the key. */
function mutations(
  props: Record<string, unknown>,
  pick: number,
): Record<string, unknown>[] {
  const names = Object.keys(props);
  const name = names[pick % names.length];
  const value = props[name];
  const rest = {...props};
  delete rest[name];
  const renamed = `${name}_renamed`;
  return [
    {...rest, [renamed]: value},
    {...props, [name]: [value]},
    {...props, [name]: {nested: value}},
    {...props, [name]: value === Number ? String : Number},
  ];
}
