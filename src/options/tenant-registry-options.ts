// Copyright loopback4-tenant-registry contributors. MIT License.

import type {Request} from '@loopback/rest';
import type {HeapUsage} from '../eviction/heap-usage';
import type {Clock, Milliseconds} from '../registry/clock';

/** Options of the `jwt` strategy. */
export interface JwtStrategyOptions {
  /** The HMAC secret (for `HS*` algorithms). Never logged or echoed. */
  secret?: string | Buffer;
  /** The public key in PEM (for `RS*`, `PS*`, `ES*` algorithms). */
  publicKey?: string | Buffer;
  /**
   * The accepted algorithms, pinned. `none` is always refused.
   * @defaultValue `['HS256']` with a secret, `['RS256']` with a public key
   */
  algorithms?: string[];
  /** The claim holding the tenant id. @defaultValue `'tenant'` */
  claim?: string;
  /** Expected `iss`, if any (never shown to clients). */
  issuer?: string;
  /** Expected `aud`, if any (never shown to clients). */
  audience?: string;
  /** Longest token accepted, in characters. @defaultValue 8192 */
  maxTokenLength?: number;
  /** Accept tokens without an `exp` claim. @defaultValue false */
  allowMissingExpiry?: boolean;
  /**
   * When a request carries no `Authorization` header at all, let the
   * strategies listed after `jwt` name the tenant. Off by default: a request
   * that could have authenticated its tenant and did not gets no tenant (and
   * `TENANT_REQUIRED` when `requireTenant` is set). A present but invalid
   * header is always a 401.
   * @defaultValue false
   */
  fallThroughWithoutToken?: boolean;
}

/** Options of the `host` strategy (a `domain` or a `map` is required). */
export interface HostStrategyOptions {
  /**
   * The parent domain: `acme.example.com` with domain `example.com` gives
   * `acme`. Hosts outside it name no tenant.
   */
  domain?: string;
  /** Explicit host name to tenant id map, checked first. */
  map?: Record<string, string>;
}

/** When the health report says `warning`. */
export interface HealthThresholds {
  /**
   * Warn when more tenants than this are live: an early warning below the
   * hard cap `maxTenants`.
   */
  warnAtTenants?: number;
  /** Warn when hits / lookups falls below this fraction (0 to 1). */
  minReuseRate?: number;
  /** Lookups needed before the reuse rate is judged. @defaultValue 100 */
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
   * Serve them at this path; `false` for no endpoint of our own (use
   * `registerGlobally` or `TenantRegistryBindings.METRICS` instead).
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

/** Options of the operator dashboard. */
export interface DashboardOptions {
  /** Serve the dashboard and its admin API. @defaultValue false */
  enabled?: boolean;
  /** Where. @defaultValue `'/tenant-registry/dashboard'` */
  path?: string;
  /**
   * The token operators present (`?token=` for the page, `Bearer` for the
   * API). Never logged or echoed.
   */
  token?: string;
  /** Decide yourself instead of a token (e.g. from your session). */
  authorize?: (request: Request) => boolean | Promise<boolean>;
  /**
   * The origins browsers reach the dashboard at (`https://admin.example.com`),
   * for a dashboard behind a proxy that changes the `Host` header or the
   * protocol. A state change whose `Origin` header is not one of them is
   * refused (403 `DASHBOARD_FORBIDDEN`).
   * @defaultValue the request's own origin: its protocol (as Express sees
   * it: set `trust proxy` to take `X-Forwarded-Proto`) and `Host` header
   */
  origins?: string[];
}

/** Options of tenant admission (see `TenantRegistryBindings.ADMISSION`). */
export interface AdmissionOptions {
  /** How long a "yes" is cached, in milliseconds. @defaultValue 60000 */
  cacheTtl?: Milliseconds;
  /** How long a "no" is cached, in milliseconds. @defaultValue 10000 */
  negativeCacheTtl?: Milliseconds;
  /** Most answers cached (each side). @defaultValue 10000 */
  cacheSize?: number;
  /**
   * How long a request waits for the admission check, in milliseconds,
   * before 503 `TENANT_ADMISSION_UNAVAILABLE` (the check keeps running and
   * its answer is cached). @defaultValue 5000
   */
  checkTimeout?: Milliseconds;
  /**
   * Most tenants whose check is pending at once; a request for one more
   * unchecked tenant answers 503 `TENANT_ADMISSION_UNAVAILABLE` at once, so
   * a flood of ids cannot pile up checks. @defaultValue 1000
   */
  maxPendingChecks?: number;
}

/** Options of per-tenant DataSources (`TenantRegistryBindings.TENANT_DATASOURCE`). */
export interface DataSourceOptions {
  /**
   * Most tenant DataSources open (or opening, or closing) at once, each with
   * its connection pool: opening one more first closes the least recently
   * used one with nothing in flight, evicting its tenant (reason
   * `capacity`); a slot is freed only once that pool has really closed.
   * `Infinity` turns the cap off.
   * @defaultValue `Infinity`
   */
  maxOpen?: number;
  /**
   * How long a request waits for a DataSource slot when every open one is
   * busy, in milliseconds, before 503 `TENANT_DATASOURCE_UNAVAILABLE`; `0`
   * answers 503 whenever no slot is free at once.
   * @defaultValue 1000
   */
  acquireTimeout?: Milliseconds;
}

/** Memory-pressure eviction, as fractions of the heap limit. */
export interface MemoryPressureOptions {
  /** Start evicting above this fraction of the heap limit (0 to 1]. */
  high: number;
  /** Stop once below this fraction. @defaultValue `max(high - 0.1, high / 2)` */
  low?: number;
  /** Most tenants evicted by one pass. @defaultValue 1000 */
  maxEvictionsPerPass?: number;
}

/**
 * Options of `TenantRegistryComponent`, bound with
 * `app.configure(TenantRegistryBindings.COMPONENT).to({...})` before
 * `app.component(TenantRegistryComponent)`. Every field is optional.
 */
export interface TenantRegistryOptions {
  /**
   * How often the cleanup pass runs, in milliseconds; `0` runs no timer
   * (call `forceCleanup()` or `runCleanupPass()` yourself).
   * @defaultValue 300000 (5 minutes)
   */
  cleanupInterval?: Milliseconds;
  /**
   * How long a tenant may go unused before the pass evicts it, in
   * milliseconds; `Infinity` never evicts for idleness.
   * @defaultValue 1800000 (30 minutes)
   */
  maxIdleTime?: Milliseconds;
  /**
   * A hard cap on live tenants, enforced when a new tenant is admitted: the
   * least recently used tenant that is not busy and not protected is
   * evicted to make room; when there is none, the request gets 503
   * `TENANT_CAPACITY`. `Infinity` turns the cap off.
   * @defaultValue 2000
   */
  maxTenants?: number;
  /**
   * A tenant used within this many milliseconds is not evicted to make room
   * for a new one (a flood of new ids is refused instead).
   * @defaultValue 60000
   */
  protectionWindow?: Milliseconds;
  /**
   * Evict least recently used idle tenants when the heap is over a fraction
   * of its limit: a number is the high watermark, or give both watermarks.
   * Off when unset.
   */
  memoryPressure?: number | MemoryPressureOptions;
  /**
   * Tenant resolution strategies, by name, in the order tried; the first
   * that yields an id wins. Built in: `header`, `query`, `host`, `jwt`; add
   * your own with `asTenantStrategy`.
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
   * How tenant ids are compared: `'exact'` keeps them as sent; `'lowercase'`
   * lower-cases every resolved id, so `ACME` and `acme` are one tenant (set
   * it when your tenants are case-insensitive, or a suspension of `acme`
   * could be sidestepped with `ACME`).
   * @defaultValue `'exact'`
   */
  tenantIdCase?: 'exact' | 'lowercase';
  /**
   * Answer 400 `TENANT_REQUIRED` when no strategy yields a tenant; when
   * `false` such requests run in the global scope. @defaultValue false
   */
  requireTenant?: boolean;
  /** The admission check's cache. */
  admission?: AdmissionOptions;
  /** Install the juggler bridge on start. @defaultValue true */
  bridge?: boolean;
  /**
   * How long a tenant DataSource may take to disconnect on eviction, in
   * milliseconds. @defaultValue 10000
   */
  disconnectTimeout?: Milliseconds;
  /** Per-tenant DataSources: the cap on open ones. */
  dataSources?: DataSourceOptions;
  /**
   * The identifier limit of the target database, in bytes: model names of
   * `defineTenantModel` longer than this are shortened with a hash of the
   * tenant id, so that distinct tenants never share a table. 63 is
   * PostgreSQL's (it silently cuts longer names) and fits MySQL (64), SQL
   * Server and Oracle 12.2+ (128); set 30 for Oracle before 12.2, or 128 to
   * keep names of 64 to 128 bytes an existing SQL Server deployment has.
   * @defaultValue 63
   */
  maxIdentifierBytes?: number;
  /** Time source, for tests. @defaultValue `Date` */
  clock?: Clock;
  /** Heap reading for `memoryPressure`, for tests or custom policies. */
  heapUsage?: () => HeapUsage;
  /** The health endpoint and its warning thresholds. */
  health?: HealthOptions;
  /** Prometheus metrics. */
  metrics?: MetricsOptions;
  /** The operator dashboard (off unless enabled, and then protected). */
  dashboard?: DashboardOptions;
}

/**
 * Options with every default filled in.
 *
 * @internal
 */
export interface ResolvedTenantRegistryOptions {
  cleanupInterval: Milliseconds;
  maxIdleTime: Milliseconds;
  maxTenants: number;
  protectionWindow: Milliseconds;
  memoryPressure: Required<MemoryPressureOptions> | undefined;
  strategies: string[];
  header: string;
  query: string;
  host: HostStrategyOptions;
  jwt: (JwtStrategyOptions & {algorithms: string[]}) | undefined;
  tenantIdCase: 'exact' | 'lowercase';
  requireTenant: boolean;
  admission: Required<AdmissionOptions>;
  bridge: boolean;
  disconnectTimeout: Milliseconds;
  dataSources: Required<DataSourceOptions>;
  maxIdentifierBytes: number;
  clock: Clock;
  heapUsage: () => HeapUsage;
  health: HealthThresholds & {
    enabled: boolean;
    path: string;
    documented: boolean;
  };
  metrics: {
    enabled: boolean;
    path: string | undefined;
    documented: boolean;
    registerGlobally: boolean;
    prefix: string;
  };
  dashboard: DashboardOptions & {enabled: boolean; path: string};
}
