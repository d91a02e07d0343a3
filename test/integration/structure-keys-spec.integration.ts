// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {installJugglerBridge, ModelRegistry} from '../../src';
import {givenMemoryDataSource} from '../fixtures/juggler';

/**
 * The structure key is the registry's only way to tell two anonymous
 * structures apart: two that juggler would build differently must never
 * share a model, whatever the names and option values in them spell.
 */
describe('anonymous models found by structure (specification, real juggler)', () => {
  let registry: ModelRegistry;
  let uninstall: () => void;

  beforeEach(() => {
    registry = new ModelRegistry();
    uninstall = installJugglerBridge(registry);
  });
  afterEach(() => uninstall());

  it('shares a model between two definitions of the same structure', () => {
    const ds = givenMemoryDataSource();
    const first = ds.createModel('First', {address: STREET_WITH_EXTRAS});
    const second = ds.createModel('Second', {address: STREET_WITH_EXTRAS});
    expect(nestedOf(second)).to.equal(nestedOf(first));
  });

  it('never shares a model when an option value spells another structure’s options', () => {
    const ds = givenMemoryDataSource();
    const extras = ds.createModel('Extras', {address: STREET_WITH_EXTRAS});
    // One option whose text reads like the key of the two options above.
    const spelled = ds.createModel('Spelled', {
      address: {street: {type: 'string', z: ',{=[]'}},
    });
    expect(nestedOf(spelled)).to.not.equal(nestedOf(extras));
    expect(nestedOf(spelled).definition.properties.street).to.containDeep({
      z: ',{=[]',
    });
  });

  it('never shares a model between property names made of punctuation', () => {
    const ds = givenMemoryDataSource();
    const names = ['=', ',', '{', '}', '(', ')', '[', ']', ':', '"', ''];
    const models = names.map((name, i) =>
      ds.createModel(`P${i}`, {nested: {[name]: String, tail: String}}),
    );
    const distinct = new Set(models.map(nestedOf));
    expect(distinct.size).to.equal(names.length);
  });

  it('falls back to juggler for a cycle through an array or a property’s options', () => {
    const ds = givenMemoryDataSource();
    const cyclicArray: unknown[] = [];
    cyclicArray.push(cyclicArray);
    const cyclicOption: Record<string, unknown> = {};
    cyclicOption.self = cyclicOption;
    const a = ds.createModel('A', {
      nested: {tags: {type: 'array', meta: cyclicArray}},
    });
    const b = ds.createModel('B', {
      nested: {tag: {type: 'string', meta: cyclicOption}},
    });
    // juggler built both itself (once per resolution of each nested type).
    expect(nestedOf(a).definition.properties).to.have.key('tags');
    expect(nestedOf(b).definition.properties).to.have.key('tag');
    const stats = registry.getStats();
    expect(stats.bridgeFallbacks).to.be.aboveOrEqual(2);
    expect(stats.modelsCreated).to.equal(0);
  });
});

/** A property with two options: one empty text, one empty array. */
const STREET_WITH_EXTRAS = {street: {type: 'string', z: '', '{': []}};

interface ModelLike {
  definition: {properties: Record<string, {type: ModelLike} & object>};
}

function nestedOf(model: unknown): ModelLike {
  const properties = (model as ModelLike).definition.properties;
  return (properties.address ?? properties.nested).type;
}
