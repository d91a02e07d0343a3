// Copyright loopback4-tenant-registry contributors. MIT License.

import type {ModelBuilderLike} from './juggler-shapes';

/** A juggler `ModelBuilder` constructor. */
export type ModelBuilderClass = {
  prototype: ModelBuilderLike & {
    resolveType(prop: unknown, isSubProperty?: boolean): unknown;
  };
  new (): ModelBuilderLike & {
    define(name: string, properties: object): {definition: object};
  };
};

/** A juggler `ModelDefinition` constructor (not exported by juggler). */
export type ModelDefinitionClass = {
  prototype: {build(forceRebuild?: boolean): unknown};
};

/**
 * The `ModelBuilder` of the juggler that `@loopback/repository` uses: the copy
 * resolved from `@loopback/repository`'s own folder, so that an application
 * with several copies of juggler patches the one LB4 really calls.
 *
 * @internal
 */
export function resolveJugglerModelBuilder(): ModelBuilderClass {
  let jugglerPath: string;
  try {
    jugglerPath = require.resolve('loopback-datasource-juggler', {
      paths: [require.resolve('@loopback/repository')],
    });
  } catch {
    jugglerPath = require.resolve('loopback-datasource-juggler');
  }
  return require(jugglerPath).ModelBuilder as ModelBuilderClass;
}

/**
 * juggler's `ModelDefinition`, taken from a model built by a throwaway
 * builder (juggler does not export the class).
 *
 * @internal
 */
export function modelDefinitionClassOf(
  builderClass: ModelBuilderClass,
): ModelDefinitionClass {
  const probe = new builderClass().define('TenantRegistryProbe', {});
  return probe.definition.constructor as unknown as ModelDefinitionClass;
}
