// Copyright loopback4-tenant-registry contributors. MIT License.

import type {Entity} from '@loopback/repository';
import type {Request} from '@loopback/rest';
import type {HeapUsage} from '../eviction/memory-pressure';
import type {Clock, Milliseconds} from '../registry/tenant-scopes';
import type {DEFAULT_TENANT_REGISTRY_OPTIONS} from './resolve-options';

/** Options of the `jwt` strategy: a `secret`, `publicKey` or `jwksUrl` is required. */
export interface JwtStrategyOptions {
  /** The HMAC secret (for `HS*` algorithms). Never logged or echoed. */
  secret?: string | Buffer;
  /** The public key in PEM (for `RS*`, `PS*`, `ES*` algorithms). */
  publicKey?: string | Buffer;
  /**
   * The identity provider's key set (`https:`; `http:` on a loopback host
   * only), e.g. `https://shop.eu.auth0.com/.well-known/jwks.json`: fetched on
   * the first token, cached, fetched again for an unknown `kid`. While it is
   * down, cached keys keep working; other tokens get 503
   * `TENANT_KEYS_UNAVAILABLE`.
   */
  jwksUrl?: string;
  /**
   * How long fetched keys are used before a background fetch, in ms (at
   * least 1, or `Infinity`). @defaultValue 600000 (10 minutes)
   */
  jwksCacheMaxAge?: Milliseconds;
  /**
   * The shortest time between two fetches of the key set, in ms, whatever
   * came of the last: unknown `kid`s or a provider that is down cause at
   * most one fetch per cooldown. @defaultValue 30000 (30 seconds)
   */
  jwksCooldown?: Milliseconds;
  /** How long one fetch may take, in ms (at least 1). @defaultValue 5000 */
  jwksTimeout?: Milliseconds;
  /**
   * The accepted algorithms, pinned; `none` is refused, and with `jwksUrl`
   * only asymmetric ones (`RS*`, `PS*`, `ES*`, `EdDSA`, `Ed25519`).
   * @defaultValue `['HS256']` with a secret, `['RS256']` with a public key
   * or a `jwksUrl`
   */
  algorithms?: string[];
  /** The claim holding the tenant id. @defaultValue `'tenant'` */
  claim?: string;
  /** Expected `iss`, if any (never shown to clients). */
  issuer?: string;
  /** Expected `aud`, if any (never shown to clients). */
  audience?: string;
  /**
   * Longest token accepted, in characters (a positive integer); a longer one
   * is a 401 before any verification. @defaultValue 8192
   */
  maxTokenLength?: number;
  /** Accept tokens without an `exp` claim. @defaultValue false */
  allowMissingExpiry?: boolean;
  /**
   * Without an `Authorization` header, let the strategies listed after `jwt`
   * name the tenant; when `false` such a request has no tenant. An invalid
   * header is always a 401. @defaultValue false
   */
  fallThroughWithoutToken?: boolean;
}

/** Options of the `host` strategy: a `domain` or a `map` is required. */
export interface HostStrategyOptions {
  /** Parent domain: `acme.example.com` under `example.com` is tenant `acme`. */
  domain?: string;
  /**
   * Host name or IP address (`127.0.0.1`, `::1`) to tenant id, checked
   * before `domain`; an IP address names a tenant only through this map.
   */
  map?: Record<string, string>;
}

/** When the health report says `warning` (each off unless set). */
export interface HealthThresholds {
  /** Warn above this many live tenants (a positive integer or `Infinity`). */
  warnAtTenants?: number;
  /** Warn when hits / lookups falls below this fraction (0 to 1). */
  minReuseRate?: number;
  /** Lookups (a positive integer) before `minReuseRate` is judged. @defaultValue 100 */
  minLookups?: number;
}

/** Options of the health endpoint and readiness check. */
export interface HealthOptions extends HealthThresholds {
  /** Serve the health endpoint. @defaultValue true */
  enabled?: boolean;
  /** Its path. @defaultValue `'/health/tenant-registry'` */
  path?: string;
  /** List it in the OpenAPI spec. @defaultValue false */
  documented?: boolean;
}

/** Options of the Prometheus metrics. */
export interface MetricsOptions {
  /** Collect metrics (computed on scrape). @defaultValue true */
  enabled?: boolean;
  /**
   * Serve them at this path; `false` serves none (use `registerGlobally` or
   * `TenantRegistryBindings.METRICS`).
   * @defaultValue `'/tenant-registry/metrics'`
   */
  path?: string | false;
  /** List the endpoint in the OpenAPI spec. @defaultValue false */
  documented?: boolean;
  /** Also add them to prom-client's global registry. @defaultValue false */
  registerGlobally?: boolean;
  /** Metric name prefix. @defaultValue `'tenant_registry_'` */
  prefix?: string;
}

/** Options of the operator dashboard: a `token` or `authorize` is required. */
export interface DashboardOptions {
  /** Serve the dashboard and its admin API. @defaultValue false */
  enabled?: boolean;
  /** Where. @defaultValue `'/tenant-registry/dashboard'` */
  path?: string;
  /**
   * The operators' token (`?token=` for the page, `Bearer` for the API).
   * Never logged or echoed.
   */
  token?: string;
  /** Decide yourself instead of a token (e.g. from your session). */
  authorize?: (request: Request) => boolean | Promise<boolean>;
  /**
   * The origins browsers reach the dashboard at (`https://admin.example.com`)
   * behind a proxy that changes `Host` or the protocol; a state change from
   * another `Origin` is a 403. @defaultValue the request's own protocol (as
   * Express sees it, see `trust proxy`) and `Host`
   */
  origins?: string[];
}

/** Options of tenant admission (see `TenantRegistryBindings.ADMISSION`). */
export interface AdmissionOptions {
  /** How long a "yes" is cached, in ms; `0` asks each time. @defaultValue 60000 */
  cacheTtl?: Milliseconds;
  /** How long a "no" is cached, in ms; `0` asks each time. @defaultValue 10000 */
  negativeCacheTtl?: Milliseconds;
  /** Most answers cached, each side (a positive integer). @defaultValue 10000 */
  cacheSize?: number;
  /**
   * How long a request waits for the check, in ms (at least 1), before 503
   * `TENANT_ADMISSION_UNAVAILABLE`; the late answer is still cached.
   * @defaultValue 5000
   */
  checkTimeout?: Milliseconds;
  /**
   * Most tenants whose check is pending at once (a positive integer); one
   * more gets 503 `TENANT_ADMISSION_UNAVAILABLE` at once. @defaultValue 1000
   */
  maxPendingChecks?: number;
}

/** Options of per-tenant DataSources (`TenantRegistryBindings.TENANT_DATASOURCE`). */
export interface DataSourceOptions {
  /**
   * Most tenant DataSources open (or opening, or closing) at once, a positive
   * integer: one more first evicts the least recently used tenant with
   * nothing in flight (reason `capacity`). `Infinity` turns the cap off.
   * @defaultValue `Infinity`
   */
  maxOpen?: number;
  /**
   * How long a request waits for a slot when every DataSource is busy, in
   * ms, before 503 `TENANT_DATASOURCE_UNAVAILABLE`; `0` answers 503 at once.
   * @defaultValue 1000
   */
  acquireTimeout?: Milliseconds;
}

/**
 * Options of tenant schema migrations (`TenantRegistryBindings.TENANT_SCHEMAS`).
 */
export interface TenantSchemaOptions {
  /**
   * The LB4 entity classes migrated on each tenant's DataSource (juggler's
   * `autoupdate`), unless a migration function is bound at
   * `TenantRegistryBindings.TENANT_MIGRATION`. @defaultValue `[]`
   */
  models?: (typeof Entity)[];
  /**
   * The schema version the app bumps for a change the model definitions do
   * not show; a tenant is current when its stamp has this version and the
   * checksum of `models`' definitions (a new property changes it). Required
   * with a migration function. @defaultValue `''`
   */
  version?: string;
  /**
   * Tenants migrated at once (a positive integer, at most
   * `dataSources.maxOpen`): each holds one DataSource slot.
   * @defaultValue half of `dataSources.maxOpen` (at least 1) and at most 4:
   * the other slots stay with traffic, and beyond a few at once the
   * database's CPU, not the slots, slows traffic (docs/datasources.md)
   */
  concurrency?: number;
  /**
   * How long a migration waits for a tenant another migrator is migrating,
   * in ms, before it reports the tenant `locked`; `0` skips it at once.
   * @defaultValue 30000
   */
  lockTimeout?: Milliseconds;
  /**
   * A tenant's PostgreSQL schema, for `createTenantSchema` and
   * `dropTenantSchema`; it must be the `schema` your DataSource factory
   * gives the tenant. @defaultValue `tenantIdentifier('tenant', tenantId)`
   */
  schemaName?: (tenantId: string) => string;
  /** Let `dropTenantSchema` drop schemas. @defaultValue false */
  allowDrop?: boolean;
  /**
   * Migrate a tenant on its first request after its DataSource opens,
   * instead of (or besides) a run before the deploy: the request waits up to
   * `timeout` ms (default 10000), then answers 503
   * `TENANT_SCHEMA_MIGRATING` with `Retry-After` while the migration goes
   * on; a failed migration answers 503 `TENANT_SCHEMA_MIGRATION_FAILED`.
   * Later requests on that DataSource pay nothing. @defaultValue false
   */
  migrateOnFirstUse?: boolean | {timeout?: Milliseconds};
}

/** Memory-pressure eviction, as fractions of the heap limit. */
export interface MemoryPressureOptions {
  /** Start evicting above this fraction of the heap limit, in (0, 1]. */
  high: number;
  /** Stop below this fraction, in (0, `high`). @defaultValue `max(high - 0.1, high / 2)` */
  low?: number;
}

/**
 * Options of `TenantRegistryComponent`, set with
 * `app.configure(TenantRegistryBindings.COMPONENT).to({...})`. Every field is
 * optional; a bad value fails `app.component()` with `INVALID_OPTION`.
 *
 * @example
 * ```ts
 * const options: TenantRegistryOptions = {
 *   strategies: ['header', 'host'],
 *   host: {domain: 'shop.example.com'},
 *   maxTenants: 500,
 *   maxIdleTime: 10 * 60 * 1000,
 * };
 * app.configure(TenantRegistryBindings.COMPONENT).to(options);
 * app.component(TenantRegistryComponent);
 * ```
 */
export interface TenantRegistryOptions {
  /**
   * How often the cleanup pass runs, in milliseconds (finite); `0` runs no
   * timer (call `runCleanupPass()` yourself).
   * @defaultValue 300000 (5 minutes)
   */
  cleanupInterval?: Milliseconds;
  /**
   * How long a tenant may go unused before the pass evicts it, in
   * milliseconds; `0` evicts every tenant without a lease on each pass,
   * `Infinity` never evicts for idleness.
   * @defaultValue 1800000 (30 minutes)
   */
  maxIdleTime?: Milliseconds;
  /**
   * A hard cap on live tenants: admitting one more evicts the least recently
   * used tenant without a lease and outside `protectionWindow`, or answers
   * 503 `TENANT_CAPACITY`. A positive integer; `Infinity` turns the cap off.
   * @defaultValue 2000
   */
  maxTenants?: number;
  /**
   * A tenant used within this many milliseconds is not evicted to make room
   * for a new one; `0` protects none, `Infinity` never evicts to make room.
   * @defaultValue 60000 (1 minute)
   */
  protectionWindow?: Milliseconds;
  /**
   * Evict least recently used idle tenants while the heap is over this
   * fraction of its limit (the high watermark), or `{high, low}`.
   * @defaultValue off
   */
  memoryPressure?: number | MemoryPressureOptions;
  /**
   * Tenant resolution strategies in the order tried (the first id wins):
   * `header`, `query`, `host`, `jwt`, or your own (`asTenantStrategy`).
   * @defaultValue `['header']`
   */
  strategies?: string[];
  /** Header of the `header` strategy. @defaultValue `'x-tenant-id'` */
  header?: string;
  /** Query parameter of the `query` strategy. @defaultValue `'tenant'` */
  query?: string;
  /** Options of the `host` strategy (required when it is listed). */
  host?: HostStrategyOptions;
  /** Options of the `jwt` strategy (required when it is listed). */
  jwt?: JwtStrategyOptions;
  /**
   * `'lowercase'` lower-cases every tenant id, so `ACME` and `acme` are one
   * tenant (set it for case-insensitive tenants, or a suspension of `acme`
   * could be sidestepped with `ACME`); `'exact'` keeps them as sent.
   * @defaultValue `'exact'`
   */
  tenantIdCase?: 'exact' | 'lowercase';
  /**
   * A request that names no tenant still runs (the API Explorer, the
   * OpenAPI spec, static files and routes such as `/ping` need none), but
   * whatever in it asks for the tenant gets 400 `TENANT_REQUIRED`:
   * `getCurrentTenant()`, `CURRENT_TENANT`, `REQUIRED_TENANT`,
   * `TENANT_DATASOURCE` (`DEFAULT_DATASOURCE` is not used) and
   * `defineTenantModel`. When `false`, `getCurrentTenant()` is `undefined`
   * there and models go to the global scope. @defaultValue false
   */
  requireTenant?: boolean;
  /** The admission check's cache and limits. */
  admission?: AdmissionOptions;
  /** Install the juggler bridge on start. @defaultValue true */
  bridge?: boolean;
  /**
   * How long a tenant's DataSource may take to disconnect on eviction, in ms
   * (at least 1), before it counts as failed. @defaultValue 10000
   */
  disconnectTimeout?: Milliseconds;
  /** Per-tenant DataSources: the cap on open ones. */
  dataSources?: DataSourceOptions;
  /**
   * The database's identifier limit, in bytes: longer `defineTenantModel`
   * names are shortened with a hash of the tenant id. A positive integer; 63
   * is PostgreSQL's and fits MySQL, SQL Server and Oracle 12.2+; set 30 for
   * older Oracle.
   * @defaultValue 63
   */
  maxIdentifierBytes?: number;
  /** The health endpoint and its warning thresholds. */
  health?: HealthOptions;
  /** Prometheus metrics. */
  metrics?: MetricsOptions;
  /** The operator dashboard (off unless enabled, and then protected). */
  dashboard?: DashboardOptions;
  /** Tenant schema migrations (`TenantRegistryBindings.TENANT_SCHEMAS`). */
  schemas?: TenantSchemaOptions;
}

type Defaults = typeof DEFAULT_TENANT_REGISTRY_OPTIONS;
type WithDefaults<T, K extends PropertyKey> = Omit<T, K> &
  Required<Pick<T, K & keyof T>>;

/** The resolved memory-pressure policy. */
export interface MemoryPressureSettings extends Required<MemoryPressureOptions> {
  /** Most tenants one pass evicts: a brake on a wrong estimate. */
  maxEvictionsPerPass: number;
}

type Group = 'memoryPressure' | 'jwt' | 'admission' | 'dataSources';
type MigrationGroup = 'schemas';
type EndpointGroup = 'health' | 'metrics' | 'dashboard';

/** Options with every default filled in, plus the test seams (tests rebind them). */
export type ResolvedTenantRegistryOptions = Required<
  Omit<TenantRegistryOptions, Group | EndpointGroup | MigrationGroup>
> & {
  clock: Clock;
  heapUsage: () => HeapUsage;
  /** `undefined` when memory-pressure eviction is off. */
  memoryPressure: MemoryPressureSettings | undefined;
  /** `undefined` unless the `jwt` strategy is listed. */
  jwt:
    | WithDefaults<JwtStrategyOptions, keyof Defaults['jwt'] | 'algorithms'>
    | undefined;
  admission: Required<AdmissionOptions>;
  dataSources: Required<DataSourceOptions>;
  schemas: Required<TenantSchemaOptions>;
  health: WithDefaults<HealthOptions, keyof Defaults['health']>;
  /** `path` is `undefined` for no endpoint. */
  metrics: Required<Omit<MetricsOptions, 'path'>> & {path: string | undefined};
  dashboard: WithDefaults<DashboardOptions, keyof Defaults['dashboard']>;
};
