// Copyright loopback4-tenant-registry contributors. MIT License.

import {DEFAULT_MAX_IDENTIFIER_BYTES} from '../context/tenant-identifier';
import {parseOrigin} from '../controllers/same-origin';
import {invalidOptionError} from '../errors';
import {readHeapUsage} from '../eviction/heap-usage';
import {checkCount, checkDuration, isFraction} from './option-checks';
import type {
  JwtStrategyOptions,
  MemoryPressureOptions,
  ResolvedTenantRegistryOptions,
  TenantRegistryOptions,
} from './tenant-registry-options';

/**
 * The defaults, frozen.
 *
 * @internal
 */
export const DEFAULT_TENANT_REGISTRY_OPTIONS = Object.freeze({
  cleanupInterval: 5 * 60 * 1000,
  maxIdleTime: 30 * 60 * 1000,
  // About 40 KiB per admitted tenant in the example app: 2,000 tenants stay
  // under 100 MB whatever ids clients send.
  maxTenants: 2000,
  protectionWindow: 60 * 1000,
  strategies: Object.freeze(['header']) as readonly string[],
  header: 'x-tenant-id',
  query: 'tenant',
  tenantIdCase: 'exact',
  requireTenant: false,
  bridge: true,
  disconnectTimeout: 10000,
  maxIdentifierBytes: DEFAULT_MAX_IDENTIFIER_BYTES,
  admission: Object.freeze({
    cacheTtl: 60 * 1000,
    negativeCacheTtl: 10 * 1000,
    cacheSize: 10000,
    checkTimeout: 5000,
    maxPendingChecks: 1000,
  }),
  healthPath: '/health/tenant-registry',
  metricsPath: '/tenant-registry/metrics',
  dashboardPath: '/tenant-registry/dashboard',
} as const);

/**
 * The names of the built-in strategies.
 *
 * @internal
 */
export const BUILT_IN_STRATEGIES: readonly string[] = Object.freeze([
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
 * @internal
 */
export function resolveOptions(
  options: TenantRegistryOptions = {},
): ResolvedTenantRegistryOptions {
  if (options === null || typeof options !== 'object') {
    throw invalidOptionError('(component options)', 'an object', options);
  }
  const d = DEFAULT_TENANT_REGISTRY_OPTIONS;
  const metricsPath = options.metrics?.path;
  const resolved: ResolvedTenantRegistryOptions = {
    cleanupInterval: options.cleanupInterval ?? d.cleanupInterval,
    maxIdleTime: options.maxIdleTime ?? d.maxIdleTime,
    maxTenants: options.maxTenants ?? d.maxTenants,
    protectionWindow: options.protectionWindow ?? d.protectionWindow,
    memoryPressure: resolveMemoryPressure(options.memoryPressure),
    strategies: [...(options.strategies ?? d.strategies)],
    header: String(options.header ?? d.header).toLowerCase(),
    query: options.query ?? d.query,
    host: {...options.host},
    jwt: resolveJwt(options),
    tenantIdCase: options.tenantIdCase ?? d.tenantIdCase,
    requireTenant: options.requireTenant ?? d.requireTenant,
    admission: {...d.admission, ...options.admission},
    bridge: options.bridge ?? d.bridge,
    disconnectTimeout: options.disconnectTimeout ?? d.disconnectTimeout,
    dataSources: {
      maxOpen: options.dataSources?.maxOpen ?? Infinity,
      acquireTimeout: options.dataSources?.acquireTimeout ?? 1000,
    },
    maxIdentifierBytes: options.maxIdentifierBytes ?? d.maxIdentifierBytes,
    clock: options.clock ?? Date,
    heapUsage: options.heapUsage ?? readHeapUsage,
    health: {
      ...options.health,
      enabled: options.health?.enabled ?? true,
      path: options.health?.path ?? d.healthPath,
      documented: options.health?.documented ?? false,
    },
    metrics: {
      enabled: options.metrics?.enabled ?? true,
      path: metricsPath === false ? undefined : (metricsPath ?? d.metricsPath),
      documented: options.metrics?.documented ?? false,
      registerGlobally: options.metrics?.registerGlobally ?? false,
      prefix: options.metrics?.prefix ?? 'tenant_registry_',
    },
    dashboard: {
      ...options.dashboard,
      enabled: options.dashboard?.enabled ?? false,
      path: options.dashboard?.path ?? d.dashboardPath,
    },
  };
  checkNumbers(resolved);
  checkBooleans(resolved);
  checkStrategies(resolved);
  checkPaths(resolved);
  const {dashboard} = resolved;
  if (dashboard.enabled && !dashboard.token && !dashboard.authorize) {
    throw invalidOptionError(
      'dashboard',
      'a `token` or an `authorize` function when the dashboard is enabled',
      dashboard,
    );
  }
  const {origins} = dashboard;
  if (
    origins !== undefined &&
    (!Array.isArray(origins) ||
      origins.length === 0 ||
      origins.some(o => typeof o !== 'string' || !parseOrigin(o)))
  ) {
    throw invalidOptionError(
      'dashboard.origins',
      'a non-empty array of http or https origins, like "https://admin.example.com"',
      origins,
    );
  }
  return resolved;
}

function resolveMemoryPressure(
  value: TenantRegistryOptions['memoryPressure'],
): Required<MemoryPressureOptions> | undefined {
  if (value === undefined) return undefined;
  const given = typeof value === 'number' ? {high: value} : value;
  const high = given?.high;
  if (!isFraction(high)) {
    throw invalidOptionError(
      'memoryPressure',
      'a fraction of the heap limit above 0 and at most 1 (or {high, low})',
      high,
    );
  }
  const low = given.low ?? Math.max(high - 0.1, high / 2);
  if (!isFraction(low) || low >= high) {
    throw invalidOptionError(
      'memoryPressure.low',
      `a fraction above 0 and below high (${high})`,
      low,
    );
  }
  const maxEvictionsPerPass = given.maxEvictionsPerPass ?? 1000;
  checkCount('memoryPressure.maxEvictionsPerPass', maxEvictionsPerPass, false);
  return {high, low, maxEvictionsPerPass};
}

function resolveJwt(
  options: TenantRegistryOptions,
): ResolvedTenantRegistryOptions['jwt'] {
  const jwt: JwtStrategyOptions | undefined = options.jwt;
  if (!options.strategies?.includes('jwt')) return undefined;
  if (jwt === undefined || (!jwt.secret && !jwt.publicKey)) {
    throw invalidOptionError(
      'jwt',
      'a `secret` or a `publicKey` when the jwt strategy is listed',
      jwt,
    );
  }
  const algorithms = jwt.algorithms ?? [jwt.secret ? 'HS256' : 'RS256'];
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    algorithms.some(a => typeof a !== 'string' || a.toLowerCase() === 'none')
  ) {
    throw invalidOptionError(
      'jwt.algorithms',
      'a non-empty list of signing algorithms without "none"',
      algorithms,
    );
  }
  return {...jwt, algorithms: [...algorithms]};
}

function checkNumbers(resolved: ResolvedTenantRegistryOptions): void {
  checkDuration('cleanupInterval', resolved.cleanupInterval, 0, false);
  checkDuration('maxIdleTime', resolved.maxIdleTime, 0, true);
  checkDuration('disconnectTimeout', resolved.disconnectTimeout, 1, false);
  checkDuration('protectionWindow', resolved.protectionWindow, 0, true);
  checkDuration('admission.cacheTtl', resolved.admission.cacheTtl, 0, false);
  checkDuration(
    'admission.negativeCacheTtl',
    resolved.admission.negativeCacheTtl,
    0,
    false,
  );
  checkCount('admission.cacheSize', resolved.admission.cacheSize, false);
  checkDuration(
    'admission.checkTimeout',
    resolved.admission.checkTimeout,
    1,
    false,
  );
  checkCount(
    'admission.maxPendingChecks',
    resolved.admission.maxPendingChecks,
    false,
  );
  checkCount('maxTenants', resolved.maxTenants, true);
  checkCount('dataSources.maxOpen', resolved.dataSources.maxOpen, true);
  checkCount('maxIdentifierBytes', resolved.maxIdentifierBytes, false);
  checkDuration(
    'dataSources.acquireTimeout',
    resolved.dataSources.acquireTimeout,
    0,
    false,
  );
}

function checkBooleans(resolved: ResolvedTenantRegistryOptions): void {
  for (const [name, value] of [
    ['requireTenant', resolved.requireTenant],
    ['bridge', resolved.bridge],
  ] as const) {
    if (typeof value !== 'boolean') {
      throw invalidOptionError(name, 'true or false', value);
    }
  }
  if (!['exact', 'lowercase'].includes(resolved.tenantIdCase)) {
    throw invalidOptionError(
      'tenantIdCase',
      '"exact" or "lowercase"',
      resolved.tenantIdCase,
    );
  }
}

function checkStrategies(options: ResolvedTenantRegistryOptions): void {
  const {strategies} = options;
  if (
    strategies.length === 0 ||
    strategies.some(name => typeof name !== 'string' || name === '')
  ) {
    throw invalidOptionError(
      'strategies',
      'a non-empty array of strategy names',
      strategies,
    );
  }
  if (new Set(strategies).size !== strategies.length) {
    throw invalidOptionError(
      'strategies',
      'each strategy listed once',
      strategies.join(', '),
    );
  }
  if (!/^[a-z0-9-]+$/.test(options.header)) {
    throw invalidOptionError('header', 'a header name', options.header);
  }
  const {host} = options;
  if (strategies.includes('host') && !host.domain && !host.map) {
    throw invalidOptionError(
      'host',
      'a `domain` or a `map` when the host strategy is listed (without one, any subdomain of any host would name a tenant)',
      host,
    );
  }
}

function checkPaths(resolved: ResolvedTenantRegistryOptions): void {
  for (const [name, path] of [
    ['health.path', resolved.health.path],
    ['metrics.path', resolved.metrics.path],
    ['dashboard.path', resolved.dashboard.path],
  ] as const) {
    if (path !== undefined && !/^\/[\w\-./]*$/.test(path)) {
      throw invalidOptionError(name, 'a path starting with "/"', path);
    }
  }
}
