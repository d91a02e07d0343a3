// Copyright loopback4-tenant-registry contributors. MIT License.

// The juggler parts this package reads: the core does not compile against it.
export interface ModelBuilderLike {
  models: Record<string, unknown>;
  definitions: Record<string, unknown>;
  settings?: {strictEmbeddedModels?: boolean};
}

export interface ModelDefinitionLike {
  name: string;
  modelBuilder?: ModelBuilderLike;
  settings?: {anonymous?: boolean};
  properties?: Record<string, {type?: unknown}> | null;
  rawProperties?: Record<string, unknown>;
}

export interface ModelClassLike {
  modelName: string;
  settings?: {anonymous?: boolean; strict?: unknown};
  definition?: ModelDefinitionLike;
  modelBuilder?: ModelBuilderLike;
  dataSource?: DataSourceLike;
}

export interface DataSourceLike {
  modelBuilder?: ModelBuilderLike;
  connector?: {_models?: Record<string, {model?: unknown} | undefined>};
  disconnect?: (...args: unknown[]) => unknown;
}

/** Resolve a type name as juggler's `resolveType` does: schema types first. */
export function resolveTypeNameIn(
  builder: ModelBuilderLike,
  name: string,
): unknown {
  const schemaTypes = (
    builder.constructor as {schemaTypes?: Record<string, unknown>}
  ).schemaTypes;
  return schemaTypes?.[name.toLowerCase()] ?? builder.models[name];
}

/** The class a property's type names, if any (the item type of `[Type]`). */
export function modelTypeOf(property: {type?: unknown} | undefined): unknown {
  const type = property?.type;
  const unwrapped = Array.isArray(type) ? type[0] : type;
  return typeof unwrapped === 'function' ? unwrapped : undefined;
}
