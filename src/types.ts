// Copyright loopback4-tenant-registry contributors. MIT License.

import type {Request} from '@loopback/rest';
import {getHeapStatistics} from 'node:v8';
import {invalidOptionError} from './errors';
import type {HealthThresholds} from './observability/tenant-health';
import type {Clock} from './registry/model-registry';

/** Milliseconds. */
export type Milliseconds = number;

/** Heap figures for the memory-pressure check. */
export interface HeapUsage {
  /** Bytes in use (like `process.memoryUsage().heapUsed`). */
  usedBytes: number;
  /** The heap limit (like `v8.getHeapStatistics().heap_size_limit`). */
  limitBytes: number;
}

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
  /** Expected `iss`, if any. */
  issuer?: string;
  /** Expected `aud`, if any. */
  audience?: string;
  /** Longest token accepted, in characters. @defaultValue 8192 */
  maxTokenLength?: number;
}

/** Options of the `host` strategy. */
export interface HostStrategyOptions {
  /**
   * The parent domain: `acme.example.com` with domain `example.com` gives
   * `acme`. Without it, the first label of a host name of three or more
   * labels is used (never of an IP address).
   */
  domain?: string;
  /** Explicit host name to tenant id map, checked first. */
  map?: Record<string, string>;
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
  /** Serve them at this path; no endpoint of our own when unset. */
  path?: string;
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
   * Most tenant registries kept; beyond it the least recently used idle
   * tenants are evicted by the pass. @defaultValue `Infinity`
   */
  maxTenants?: number;
  /**
   * A fraction of the heap limit (0 to 1) above which the pass evicts least
   * recently used idle tenants until the estimate is below it. Off when
   * unset.
   */
  memoryPressure?: number;
  /**
   * Tenant resolution strategies, by name, in the order tried; the first
   * that yields an id wins. Built in: `header`, `query`, `host`, `jwt`; add
   * your own as extensions of `TenantRegistryBindings.STRATEGIES`.
   * @defaultValue `['header']`
   */
  strategies?: string[];
  /** Header of the `header` strategy. @defaultValue `'x-tenant-id'` */
  header?: string;
  /** Query parameter of the `query` strategy. @defaultValue `'tenant'` */
  query?: string;
  /** Options of the `host` strategy. */
  host?: HostStrategyOptions;
  /** Options of the `jwt` strategy (required when it is listed). */
  jwt?: JwtStrategyOptions;
  /**
   * Answer 400 `TENANT_REQUIRED` when no strategy yields a tenant; when
   * `false` such requests run in the global scope. @defaultValue false
   */
  requireTenant?: boolean;
  /** Install the juggler bridge on start. @defaultValue true */
  bridge?: boolean;
  /**
   * How long a tenant DataSource may take to disconnect on eviction, in
   * milliseconds. @defaultValue 10000
   */
  disconnectTimeout?: Milliseconds;
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

/** Options with every default filled in. */
export interface ResolvedTenantRegistryOptions extends Required<
  Omit<
    TenantRegistryOptions,
    'memoryPressure' | 'jwt' | 'host' | 'health' | 'metrics'
  >
> {
  memoryPressure: number | undefined;
  jwt: JwtStrategyOptions | undefined;
  host: HostStrategyOptions;
  health: HealthThresholds & {
    enabled: boolean;
    path: string;
    documented: boolean;
  };
  metrics: MetricsOptions & {enabled: boolean};
  dashboard: DashboardOptions & {enabled: boolean; path: string};
}

/** The defaults, frozen. */
export const DEFAULT_TENANT_REGISTRY_OPTIONS = Object.freeze({
  cleanupInterval: 5 * 60 * 1000,
  maxIdleTime: 30 * 60 * 1000,
  maxTenants: Infinity,
  strategies: Object.freeze(['header']) as readonly string[],
  header: 'x-tenant-id',
  query: 'tenant',
  requireTenant: false,
  bridge: true,
  disconnectTimeout: 10000,
});

/** Built-in strategy names. */
export const BUILT_IN_STRATEGIES = Object.freeze([
  'header',
  'query',
  'host',
  'jwt',
]);

/**
 * Merge options with the defaults, each group explicitly, and reject bad
 * values up front, naming the option and the value.
 *
 * @param options - What the application configured.
 * @returns Complete options.
 * @throws TenantRegistryError `INVALID_OPTION`.
 */
export function resolveOptions(
  options: TenantRegistryOptions = {},
): ResolvedTenantRegistryOptions {
  const d = DEFAULT_TENANT_REGISTRY_OPTIONS;
  const resolved: ResolvedTenantRegistryOptions = {
    cleanupInterval: options.cleanupInterval ?? d.cleanupInterval,
    maxIdleTime: options.maxIdleTime ?? d.maxIdleTime,
    maxTenants: options.maxTenants ?? d.maxTenants,
    memoryPressure: options.memoryPressure,
    strategies: [...(options.strategies ?? d.strategies)],
    header: (options.header ?? d.header).toLowerCase(),
    query: options.query ?? d.query,
    host: {...options.host},
    jwt: options.jwt && {...options.jwt},
    requireTenant: options.requireTenant ?? d.requireTenant,
    bridge: options.bridge ?? d.bridge,
    disconnectTimeout: options.disconnectTimeout ?? d.disconnectTimeout,
    clock: options.clock ?? Date,
    heapUsage: options.heapUsage ?? defaultHeapUsage,
    health: {
      ...options.health,
      enabled: options.health?.enabled ?? true,
      path: options.health?.path ?? '/health/tenant-registry',
      documented: options.health?.documented ?? false,
    },
    metrics: {...options.metrics, enabled: options.metrics?.enabled ?? true},
    dashboard: {
      ...options.dashboard,
      enabled: options.dashboard?.enabled ?? false,
      path: options.dashboard?.path ?? '/tenant-registry/dashboard',
    },
  };
  checkNumber('cleanupInterval', resolved.cleanupInterval, 0, false);
  checkNumber('maxIdleTime', resolved.maxIdleTime, 0, true);
  checkNumber('disconnectTimeout', resolved.disconnectTimeout, 1, false);
  if (
    resolved.maxTenants !== Infinity &&
    !(Number.isInteger(resolved.maxTenants) && resolved.maxTenants > 0)
  ) {
    throw invalidOptionError(
      'maxTenants',
      'a positive integer or Infinity',
      resolved.maxTenants,
    );
  }
  const pressure = resolved.memoryPressure;
  if (
    pressure !== undefined &&
    !(typeof pressure === 'number' && pressure > 0 && pressure <= 1)
  ) {
    throw invalidOptionError(
      'memoryPressure',
      'a fraction of the heap limit above 0 and at most 1',
      pressure,
    );
  }
  checkStrategies(resolved);
  const {dashboard} = resolved;
  if (dashboard.enabled && !dashboard.token && !dashboard.authorize) {
    throw invalidOptionError(
      'dashboard',
      'a `token` or an `authorize` function when the dashboard is enabled',
      dashboard,
    );
  }
  for (const [name, path] of [
    ['health.path', resolved.health.path],
    ['metrics.path', resolved.metrics.path],
    ['dashboard.path', resolved.dashboard.path],
  ] as const) {
    if (path !== undefined && !/^\/[\w\-./]*$/.test(path)) {
      throw invalidOptionError(name, 'a path starting with "/"', path);
    }
  }
  return resolved;
}

function checkNumber(
  name: string,
  value: unknown,
  min: number,
  allowInfinity: boolean,
): void {
  const ok =
    typeof value === 'number' &&
    value >= min &&
    (Number.isFinite(value) || (allowInfinity && value === Infinity));
  if (!ok) {
    const expected = `a number of milliseconds of at least ${min}${
      allowInfinity ? ' or Infinity' : ''
    }`;
    throw invalidOptionError(name, expected, value);
  }
}

function checkStrategies(options: ResolvedTenantRegistryOptions): void {
  const {strategies, jwt} = options;
  if (
    !Array.isArray(strategies) ||
    strategies.length === 0 ||
    strategies.some(name => typeof name !== 'string' || name === '')
  ) {
    throw invalidOptionError(
      'strategies',
      'a non-empty array of strategy names',
      strategies,
    );
  }
  if (!/^[a-z0-9-]+$/.test(options.header)) {
    throw invalidOptionError('header', 'a header name', options.header);
  }
  if (!strategies.includes('jwt')) return;
  if (jwt === undefined || (!jwt.secret && !jwt.publicKey)) {
    throw invalidOptionError(
      'jwt',
      'a `secret` or a `publicKey` when the jwt strategy is listed',
      jwt,
    );
  }
  const algorithms = jwt.algorithms ?? [jwt.secret ? 'HS256' : 'RS256'];
  if (
    algorithms.length === 0 ||
    algorithms.some(a => typeof a !== 'string' || a.toLowerCase() === 'none')
  ) {
    throw invalidOptionError(
      'jwt.algorithms',
      'a non-empty list of signing algorithms without "none"',
      algorithms,
    );
  }
  jwt.algorithms = algorithms;
}

function defaultHeapUsage(): HeapUsage {
  return {
    usedBytes: process.memoryUsage().heapUsed,
    limitBytes: getHeapStatistics().heap_size_limit,
  };
}
