// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {installJugglerBridge, ModelRegistry} from '../../src';
import {isJugglerBridgeInstalled} from '../../src/bridge/juggler-bridge';
import {builderOf, givenMemoryDataSource} from '../fixtures/juggler';

describe('installJugglerBridge() (specification, real juggler)', () => {
  let registry: ModelRegistry;
  const uninstalls: (() => void)[] = [];

  beforeEach(() => {
    registry = new ModelRegistry();
  });
  afterEach(() => {
    for (const uninstall of uninstalls.splice(0)) uninstall();
  });

  it('ignores an old uninstall function called again after a new installation', () => {
    const first = install();
    first();
    install();
    first();
    expect(isJugglerBridgeInstalled()).to.be.true();
    givenMemoryDataSource().createModel('M', {a: {b: String}});
    expect(registry.getStats().modelsCreated).to.equal(1);
  });

  it('follows a change of the builder’s strictEmbeddedModels', () => {
    install();
    const ds = givenMemoryDataSource();
    const loose = ds.createModel('Loose', {a: {b: String}});
    builderOf(ds).settings = {strictEmbeddedModels: true};
    const strict = ds.createModel('Strict', {a: {b: String}});
    const nestedOf = (model: unknown) =>
      (
        model as {
          definition: {
            properties: {a: {type: {settings: {strict: unknown}}}};
          };
        }
      ).definition.properties.a.type;
    expect(nestedOf(strict)).to.not.equal(nestedOf(loose));
    expect(nestedOf(strict).settings.strict).to.be.true();
  });

  it('installs a registry once however often it is installed: one uninstall removes it', () => {
    const first = install();
    install();
    first();
    expect(isJugglerBridgeInstalled()).to.be.false();
  });

  it('leaves properties that define no anonymous model to juggler: no lookup, nothing registered', () => {
    install();
    givenMemoryDataSource().createModel('Plain', {
      name: String,
      age: {type: Number, required: true},
      tags: [String],
    });
    const {hits, misses, modelsCreated, bridgeFallbacks} = registry.getStats();
    expect({hits, misses, modelsCreated, bridgeFallbacks}).to.deepEqual({
      hits: 0,
      misses: 0,
      modelsCreated: 0,
      bridgeFallbacks: 0,
    });
  });

  function install(): () => void {
    const uninstall = installJugglerBridge(registry);
    uninstalls.push(uninstall);
    return uninstall;
  }
});
