// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {DefinitionKeyCache} from '../../src/bridge/definition-cache';
import {
  resolveTypeNameIn,
  type ModelBuilderLike,
} from '../../src/bridge/juggler-shapes';
import {computeStructureKey} from '../../src/registry/structure-key';
import {builderOf, givenMemoryDataSource} from '../fixtures/juggler';

describe('DefinitionKeyCache (specification)', () => {
  let cache: DefinitionKeyCache;
  let builder: ModelBuilderLike;

  beforeEach(() => {
    cache = new DefinitionKeyCache();
    builder = builderOf(givenMemoryDataSource());
  });

  describe('never answers a stale key for a reused definition whose array changed', () => {
    const cases: [string, () => unknown[], (items: unknown[]) => void][] = [
      // eslint-disable-next-line no-sparse-arrays
      ['a hole filled with undefined', () => [String, , Number], fill],
      ['an undefined item made a hole', () => [String, undefined], punch],
      ['an item replaced', () => [String, Number], items => (items[1] = Date)],
      ['an item removed', () => [String, Number], items => items.pop()],
    ];
    for (const [change, givenItems, mutate] of cases) {
      it(`(${change})`, () => {
        const definition = {a: {type: String, enum: givenItems()}};
        for (let i = 0; i < 3; i++) cache.keyOf(builder, definition, false);
        const before = keyOf(definition);
        mutate(definition.a.enum);
        expect(keyOf(definition)).to.not.equal(before);
        for (let i = 0; i < 2; i++) {
          expect(cache.keyOf(builder, definition, false)).to.equal(
            keyOf(definition),
          );
        }
      });
    }
  });

  function keyOf(definition: object): string {
    return computeStructureKey(definition, {
      resolveTypeName: name => resolveTypeNameIn(builder, name),
      settings: {strict: false},
    });
  }
});

function fill(items: unknown[]): void {
  items[1] = undefined;
}

function punch(items: unknown[]): void {
  delete items[1];
}
