// Copyright loopback4-tenant-registry contributors. MIT License.

import {getEffectiveScope} from '../context/tenant-context';
import type {ModelRegistry} from '../registry';
import {computeStructureKey} from '../registry/structure-key';
import {
  resolveTypeNameIn,
  type ModelBuilderLike,
  type ModelClassLike,
  type ModelDefinitionLike,
} from './juggler-shapes';

/** Options of {@link installJugglerBridge}. */
export interface JugglerBridgeOptions {
  /**
   * The juggler `ModelBuilder` class to patch.
   * @defaultValue the one `@loopback/repository` uses
   */
  modelBuilder?: Function;
}

/** Removes what {@link installJugglerBridge} installed. Idempotent. */
export type UninstallJugglerBridge = () => void;

type ModelBuilderClass = {
  prototype: {resolveType: ResolveType};
  new (): {define(name: string, properties: object): {definition: object}};
};

type ResolveType = (
  this: ModelBuilderLike,
  prop: unknown,
  isSubProperty?: boolean,
) => unknown;
type Build = (this: ModelDefinitionLike, forceRebuild?: boolean) => unknown;

type Installation = {registries: ModelRegistry[]; unpatch(): void};

const installations = new Map<Function, Installation>();

/**
 * Route juggler's anonymous models through `registry`; returns the function
 * that uninstalls it.
 *
 * @remarks
 * Wraps `ModelBuilder.prototype.resolveType`, where juggler builds an
 * `AnonymousModel_N` per nested object literal: the registry gives the
 * scope's model of the same structure or records juggler's (juggler alone if
 * it throws), and `ModelDefinition.prototype.build`, so that eviction keeps
 * models a global model uses. The last registry installed routes.
 *
 * @example
 * ```ts
 * const uninstall = installJugglerBridge(new ModelRegistry());
 * ```
 */
export function installJugglerBridge(
  registry: ModelRegistry,
  options: JugglerBridgeOptions = {},
): UninstallJugglerBridge {
  const builderClass = (options.modelBuilder ??
    resolveJugglerModelBuilder()) as ModelBuilderClass;
  const installation = installations.get(builderClass) ?? patch(builderClass);
  installations.set(builderClass, installation);
  const registries = installation.registries;
  if (!registries.includes(registry)) registries.push(registry);
  return () => {
    const index = registries.indexOf(registry);
    if (index === -1) return;
    registries.splice(index, 1);
    if (registries.length === 0) {
      installation.unpatch();
      installations.delete(builderClass);
    }
  };
}

/** Whether a bridge is installed on a juggler `ModelBuilder` class. */
export function isJugglerBridgeInstalled(modelBuilder?: Function): boolean {
  return installations.has(modelBuilder ?? resolveJugglerModelBuilder());
}

function patch(builderClass: ModelBuilderClass): Installation {
  const builderProto = builderClass.prototype;
  // juggler does not export `ModelDefinition`: take it from a throwaway model.
  const probe = new builderClass().define('TenantRegistryProbe', {});
  const definitionProto = (
    probe.definition.constructor as {prototype: {build: Build}}
  ).prototype;
  const originalResolveType = builderProto.resolveType;
  const originalBuild = definitionProto.build;
  const registries: ModelRegistry[] = [];

  builderProto.resolveType = function resolveTypeThroughRegistry(
    prop,
    isSubProperty,
  ) {
    const registry = registries[registries.length - 1];
    if (registry === undefined || !wouldDefineAnonymous(prop, isSubProperty)) {
      return originalResolveType.call(this, prop, isSubProperty);
    }
    let scope: string;
    let key: string;
    try {
      scope = getEffectiveScope();
      // Same expression as juggler's resolveType, falsy values included.
      // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
      const strict = this.settings?.strictEmbeddedModels || false;
      key = computeStructureKey(prop as object, {
        resolveTypeName: name => resolveTypeNameIn(this, name),
        settings: {strict},
      });
      const existing = registry.lookupAnonymous(this, key, scope);
      if (existing !== undefined) return existing;
    } catch (error: unknown) {
      registry.recordBridgeFallback(error);
      return originalResolveType.call(this, prop, isSubProperty);
    }
    const model = originalResolveType.call(this, prop, isSubProperty);
    try {
      registry.registerAnonymous(this, key, scope, model as ModelClassLike);
    } catch (error: unknown) {
      registry.recordBridgeFallback(error);
    }
    return model;
  };

  definitionProto.build = function buildAndNoteReferences(forceRebuild) {
    const before = this.properties;
    const properties = originalBuild.call(this, forceRebuild);
    const registry = registries[registries.length - 1];
    // build() mostly returns its cache; only a real (re)build can change
    // which models this definition uses.
    if (registry !== undefined && this.properties !== before) {
      try {
        registry.noteDefinitionBuilt(this);
      } catch (error: unknown) {
        registry.recordBridgeFallback(error);
      }
    }
    return properties;
  };
  return {
    registries,
    unpatch() {
      builderProto.resolveType = originalResolveType;
      definitionProto.build = originalBuild;
    },
  };
}

// Mirrors the branch of juggler's `resolveType` that calls `define()` with
// `getSchemaName(null)`: a plain object literal that is not `{type: ...}` (or
// any object literal given as a `type`).
function wouldDefineAnonymous(prop: unknown, isSubProperty?: boolean): boolean {
  try {
    return (
      typeof prop === 'object' &&
      prop !== null &&
      !Array.isArray(prop) &&
      prop.constructor?.name === 'Object' &&
      (Boolean(isSubProperty) || !(prop as {type?: unknown}).type)
    );
  } catch {
    return false;
  }
}

// Resolved from `@loopback/repository`'s folder: with several copies of
// juggler installed, patch the one LB4 really calls.
function resolveJugglerModelBuilder(): ModelBuilderClass {
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
