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
   * The juggler `ModelBuilder` class to patch. Defaults to the one
   * `@loopback/repository` uses; LB4 code can pass
   * `new juggler.DataSource({connector: 'memory'}).modelBuilder.constructor`.
   */
  modelBuilder?: Function;
}

/** Removes what {@link installJugglerBridge} installed. Idempotent. */
export type UninstallJugglerBridge = () => void;

/** A juggler `ModelBuilder` constructor, as far as the bridge uses it. */
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

interface Installation {
  readonly builderProto: {resolveType: ResolveType};
  readonly definitionProto: {build: Build};
  readonly originalResolveType: ResolveType;
  readonly originalBuild: Build;
  /** Installed registries; the last one routes. */
  readonly registries: ModelRegistry[];
}

const installations = new Map<Function, Installation>();

/**
 * Route juggler's anonymous-model creation through `registry`.
 *
 * @remarks
 * Wraps `ModelBuilder.prototype.resolveType`, where juggler builds an
 * `AnonymousModel_N` for every nested object-literal property: the registry
 * is asked first, in the effective scope, for a model of the same structure
 * in the same builder; on a miss juggler builds it and the registry records
 * it. Named models, strings and constructors go through juggler untouched.
 * If the registry fails, juggler's own behaviour runs and the failure is
 * counted: model building never fails because of the bridge.
 *
 * Also wraps `ModelDefinition.prototype.build` to note which models use a
 * tenant's anonymous models, so eviction never removes one that a live global
 * model still uses.
 *
 * Installing is idempotent per registry. When several registries are
 * installed on the same juggler (two apps in one process), the most recently
 * installed routes; uninstalling the last restores juggler's exact functions.
 *
 * @param registry - The registry to route through.
 * @param options - Which juggler to patch.
 * @returns A function that uninstalls this installation.
 *
 * @example
 * ```ts
 * const uninstall = installJugglerBridge(new ModelRegistry());
 * // ... define models, serve requests ...
 * uninstall();
 * ```
 */
export function installJugglerBridge(
  registry: ModelRegistry,
  options: JugglerBridgeOptions = {},
): UninstallJugglerBridge {
  const builderClass = (options.modelBuilder ??
    resolveJugglerModelBuilder()) as ModelBuilderClass;
  let installation = installations.get(builderClass);
  if (installation === undefined) {
    installation = patch(builderClass);
    installations.set(builderClass, installation);
  }
  const registries = installation.registries;
  if (!registries.includes(registry)) registries.push(registry);
  let isInstalled = true;
  return () => {
    if (!isInstalled) return;
    isInstalled = false;
    const index = registries.indexOf(registry);
    if (index !== -1) registries.splice(index, 1);
    if (registries.length === 0) {
      unpatch(installation!);
      installations.delete(builderClass);
    }
  };
}

/**
 * Whether a bridge is installed on a juggler `ModelBuilder` class.
 *
 * @param modelBuilder - Defaults to the one `@loopback/repository` uses.
 */
export function isJugglerBridgeInstalled(modelBuilder?: Function): boolean {
  return installations.has(modelBuilder ?? resolveJugglerModelBuilder());
}

function patch(builderClass: ModelBuilderClass): Installation {
  const builderProto = builderClass.prototype;
  const definitionProto = modelDefinitionClassOf(builderClass).prototype;
  const installation: Installation = {
    builderProto,
    definitionProto,
    originalResolveType: builderProto.resolveType,
    originalBuild: definitionProto.build,
    registries: [],
  };
  const {originalResolveType, originalBuild, registries} = installation;

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
  return installation;
}

function unpatch(installation: Installation): void {
  installation.builderProto.resolveType = installation.originalResolveType;
  installation.definitionProto.build = installation.originalBuild;
}

/**
 * Mirrors the branch of juggler's `resolveType` that calls `define()` with
 * `getSchemaName(null)`: a plain object literal that is not `{type: ...}`
 * (or any object literal given as a `type`).
 */
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

/**
 * The `ModelBuilder` of the juggler that `@loopback/repository` uses: the copy
 * resolved from `@loopback/repository`'s own folder, so that an application
 * with several copies of juggler patches the one LB4 really calls.
 */
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

/**
 * juggler's `ModelDefinition` class, taken from a model built by a throwaway
 * builder (juggler does not export the class).
 */
function modelDefinitionClassOf(builderClass: ModelBuilderClass): {
  prototype: {build: Build};
} {
  const probe = new builderClass().define('TenantRegistryProbe', {});
  return probe.definition.constructor as unknown as {
    prototype: {build: Build};
  };
}
