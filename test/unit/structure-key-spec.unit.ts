// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import fc from 'fast-check';
import {
  computeStructureKey,
  UnkeyableStructureError,
} from '../../src/registry/structure-key';

const key = (properties: object) => computeStructureKey(properties);

describe('computeStructureKey() (specification)', () => {
  describe('keeps apart definitions that differ only in an option value', () => {
    const cases: [string, unknown, unknown][] = [
      ['two numbers', 1, 2],
      ['zero and minus zero', 0, -0],
      ['two big integers', 10n, 11n],
      ['a number and a big integer', 1, 1n],
      ['true and false', true, false],
      ['null and undefined', null, undefined],
      ['null and the text "null"', null, 'null'],
      ['two instances that look alike', new Date(0), new Date(0)],
      ['two option objects', {min: 1}, {min: 2}],
      ['arrays that read the same once joined', ['a', 'sb'], ['as', 'b']],
      ['arrays of different lengths', [1], [1, 1]],
    ];
    for (const [label, first, second] of cases) {
      it(label, () => {
        expect(key({a: {type: String, default: first}})).to.not.equal(
          key({a: {type: String, default: second}}),
        );
      });
    }
  });

  it('keeps apart names and texts that contain the key’s own punctuation', () => {
    const keys = [
      key({a: 'x', b: 'y'}),
      key({'a:Sx,b': 'y'}),
      key({a: 'x,b:Sy'}),
      key({'a:': 'x'}),
      key({a: ':x'}),
      key({'': 'x'}),
    ];
    expect(new Set(keys).size).to.equal(keys.length);
  });

  it('keeps apart item types that read the same once joined', () => {
    expect(key({a: [['x', 'Sy']]})).to.not.equal(key({a: [['xS', 'y']]}));
  });

  it('gives the same key to definitions with more than 32 properties in any order', () => {
    const names = Array.from({length: 40}, (_, i) => `p${i}`);
    const forward = Object.fromEntries(names.map(name => [name, String]));
    const backward = Object.fromEntries(
      [...names].reverse().map(name => [name, String]),
    );
    expect(key(backward)).to.equal(key(forward));
  });

  it('explains why a definition cannot be keyed', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const refusal = (properties: object) => {
      try {
        key(properties);
      } catch (error: unknown) {
        return error;
      }
      return undefined;
    };
    expect(refusal({a: cyclic})).to.containDeep({
      name: 'UnkeyableStructureError',
      message:
        'Cannot compute a structure key: nested deeper than 32 levels (a cycle?)',
    });
    expect(refusal({a: {type: String, tag: Symbol('x')}})).to.be.instanceOf(
      UnkeyableStructureError,
    );
    expect(refusal({a: {type: String, tag: Symbol('x')}})).to.containDeep({
      message: 'Cannot compute a structure key: a symbol value',
    });
  });

  it('accepts nesting 32 levels deep', () => {
    let properties: Record<string, unknown> = {leaf: String};
    for (let depth = 0; depth < 15; depth++) properties = {a: properties};
    expect(() => key(properties)).to.not.throw();
  });

  describe('properties (fast-check)', () => {
    // Short names and texts over an alphabet of the key's own letters and
    // punctuation, so that encodings that could run together are tried.
    const text = fc.string({
      unit: fc.constantFrom('a', 's', 'S', 'M', ',', ':', '=', '{', '"'),
      maxLength: 3,
    });
    const value: fc.Arbitrary<unknown> = fc.letrec(tie => ({
      value: fc.oneof(
        {depthSize: 'small'},
        text,
        fc.integer({min: -2, max: 2}),
        fc.constantFrom(-0, 1n, true, false, null, undefined),
        fc.array(tie('value'), {maxLength: 3}),
        fc.dictionary(text, tie('value'), {maxKeys: 2, noNullPrototype: true}),
      ),
    })).value;
    const type = fc.oneof(fc.constantFrom<unknown>(String, Number), text);
    const definition: fc.Arbitrary<Record<string, unknown>> = fc.letrec(
      tie => ({
        property: fc.oneof(
          {depthSize: 'small'},
          type,
          fc.array(type, {minLength: 1, maxLength: 2}),
          fc.record(
            {type: fc.constantFrom(String, Number), default: value},
            {noNullPrototype: true},
          ),
          tie('properties'),
        ),
        properties: fc.dictionary(text, tie('property'), {
          maxKeys: 3,
          noNullPrototype: true,
        }),
      }),
    ).properties as fc.Arbitrary<Record<string, unknown>>;

    it('never gives two different definitions the same key', () => {
      fc.assert(
        fc.property(fc.array(definition, {minLength: 100}), definitions => {
          const byKey = new Map<string, unknown>();
          for (const properties of definitions) {
            const k = key(properties);
            if (!byKey.has(k)) byKey.set(k, properties);
            else expect(byKey.get(k)).to.eql(properties);
          }
        }),
        {seed: 31, numRuns: 60},
      );
    });
  });
});
