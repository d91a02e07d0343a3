// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import type {
  ModelBuilderLike,
  ModelClassLike,
  ModelDefinitionLike,
} from '../../src/bridge/juggler-shapes';
import {addReferrer, type ModelRecord} from '../../src/registry/model-scope';

describe('the models that use a tenant model (specification)', () => {
  it('stay bounded when a model using it is redefined again and again', () => {
    const builder: ModelBuilderLike = {models: {}, definitions: {}};
    const record = givenRecord(builder);
    for (let i = 0; i < 1000; i++) {
      // Each redefinition replaces the last one under the same name.
      const definition: ModelDefinitionLike = {
        name: 'Report',
        modelBuilder: builder,
      };
      builder.definitions.Report = definition;
      addReferrer(record, definition);
    }
    expect(record.referrers!.size).to.be.belowOrEqual(16);
    expect([...record.referrers!]).to.containEql(builder.definitions.Report);
  });

  it('keep every live user, however many there are', () => {
    const builder: ModelBuilderLike = {models: {}, definitions: {}};
    const record = givenRecord(builder);
    const live = Array.from({length: 40}, (_, i) => {
      const definition: ModelDefinitionLike = {
        name: `Report${i}`,
        modelBuilder: builder,
      };
      builder.definitions[definition.name] = definition;
      addReferrer(record, definition);
      return definition;
    });
    expect([...record.referrers!]).to.deepEqual(live);
  });

  function givenRecord(builder: ModelBuilderLike): ModelRecord {
    return {
      model: {modelName: 'AnonymousModel_0'} as ModelClassLike,
      name: 'AnonymousModel_0',
      builder,
      scope: 'a',
      key: 'k',
      referrers: undefined,
      pruneReferrersAt: 8,
    };
  }
});
