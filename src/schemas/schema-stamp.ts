// Copyright loopback4-tenant-registry contributors. MIT License.

import {hash} from 'node:crypto';

/** The juggler model of the stamp, defined on each tenant's DataSource. */
export const STAMP_MODEL = 'TenantRegistrySchema';
/** Its table, in the tenant's schema (the DataSource's `schema` setting). */
export const STAMP_TABLE = 'tenant_registry_schema';

/** What a tenant was last migrated to. */
export interface SchemaStamp {
  readonly version: string;
  readonly checksum: string;
}

/** The parts of a juggler model class used here (its DAO returns promises). */
export interface StampModel {
  findById(id: number): Promise<Partial<SchemaStamp> | null>;
  replaceOrCreate(data: object): Promise<unknown>;
}

/** The parts of a juggler DataSource used here. */
export interface StampDataSource {
  connector?: {name?: string; tableEscaped?(model: string): string};
  getModel(name: string): unknown;
  createModel(name: string, properties: object, settings: object): unknown;
  execute(sql: string, params?: unknown[]): Promise<unknown>;
}

/** An LB4 model class: its `definition` is what the checksum covers. */
export interface DefinedModel {
  readonly definition?: {name: string; properties: object; settings: object};
}

/**
 * The stamp model on `dataSource`, defined once per DataSource: one row
 * (`id` 1) with the version, the checksum and when it was written.
 */
export function stampModelOf(dataSource: StampDataSource): StampModel {
  const defined = dataSource.getModel(STAMP_MODEL) as StampModel | undefined;
  if (defined !== undefined) return defined;
  return dataSource.createModel(
    STAMP_MODEL,
    {
      id: {type: Number, id: true},
      version: {type: String},
      checksum: {type: String},
      migratedAt: {type: Date, postgresql: {columnName: 'migrated_at'}},
    },
    {strict: true, idInjection: false, postgresql: {table: STAMP_TABLE}},
  ) as StampModel;
}

/** The tenant's stamp, or `undefined` when it has none (no table yet). */
export async function readStamp(
  dataSource: StampDataSource,
): Promise<SchemaStamp | undefined> {
  const model = stampModelOf(dataSource);
  if (!(await hasStampTable(dataSource))) return undefined;
  const row = await model.findById(1);
  if (typeof row?.version !== 'string') return undefined;
  return {version: row.version, checksum: String(row.checksum)};
}

export function writeStamp(model: StampModel, stamp: SchemaStamp) {
  return model.replaceOrCreate({id: 1, ...stamp, migratedAt: new Date()});
}

export function isSameStamp(a: SchemaStamp | undefined, b: SchemaStamp) {
  return a?.version === b.version && a.checksum === b.checksum;
}

/**
 * A checksum of the models' LB4 definitions (names, properties, settings),
 * independent of key order: adding a property changes it, reordering the
 * decorators does not. A type given as a class counts by its name.
 */
export function modelsChecksum(models: readonly DefinedModel[]): string {
  const definitions = models.map(m => {
    const {name, properties, settings} = m.definition ?? {};
    return {name, properties, settings};
  });
  return hash('sha256', canonicalJson(definitions), 'hex').slice(0, 32);
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'function') return `[type ${v.name || 'anonymous'}]`;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) {
      sorted[key] = (v as Record<string, unknown>)[key];
    }
    return sorted;
  });
}

// Asked first rather than caught: loopback-connector-postgresql releases a
// client whose query failed as broken, and pg-pool opens its replacement
// before the old session has ended (one session over the pool's max).
async function hasStampTable(dataSource: StampDataSource): Promise<boolean> {
  const {connector} = dataSource;
  if (connector?.name !== 'postgresql' || !connector.tableEscaped) return true;
  const table = connector.tableEscaped(STAMP_MODEL); // "schema"."table"
  const sql = 'SELECT to_regclass($1) IS NOT NULL AS found';
  const rows = (await dataSource.execute(sql, [table])) as {found: boolean}[];
  return rows[0]?.found === true;
}
