// Copyright loopback4-tenant-registry contributors. MIT License.

import {DEFAULT_MAX_IDENTIFIER_BYTES} from '../context/tenant-identifier';
import {parseOrigin} from '../controllers/same-origin';
import {readHeapUsage} from '../eviction/heap-usage';
import {
  checkCount,
  checkGroup,
  ensure,
  isFraction,
  OptionReader,
  valueAt,
} from './option-checks';
import type {
  ResolvedTenantRegistryOptions as Resolved,
  TenantRegistryOptions as Options,
} from './tenant-registry-options';

/**
 * The default of every option that has one, in one place: `resolveOptions`
 * and `ModelRegistry` read them here.
 *
 * @internal
 */
export const DEFAULT_TENANT_REGISTRY_OPTIONS = deepFreeze({
  cleanupInterval: 5 * 60 * 1000,
  maxIdleTime: 30 * 60 * 1000,
  // About 40 KiB per admitted tenant in the example app: 2,000 tenants stay
  // under 100 MB whatever ids clients send.
  maxTenants: 2000,
  protectionWindow: 60 * 1000,
  strategies: ['header'],
  header: 'x-tenant-id',
  query: 'tenant',
  tenantIdCase: 'exact',
  requireTenant: false,
  bridge: true,
  disconnectTimeout: 10 * 1000,
  maxIdentifierBytes: DEFAULT_MAX_IDENTIFIER_BYTES,
  admission: {
    cacheTtl: 60 * 1000,
    negativeCacheTtl: 10 * 1000,
    cacheSize: 10000,
    checkTimeout: 5 * 1000,
    maxPendingChecks: 1000,
  },
  dataSources: {maxOpen: Infinity, acquireTimeout: 1000},
  memoryPressure: {maxEvictionsPerPass: 1000},
  jwt: {
    claim: 'tenant',
    maxTokenLength: 8192,
    allowMissingExpiry: false,
    fallThroughWithoutToken: false,
  },
  health: {
    enabled: true,
    path: '/health/tenant-registry',
    documented: false,
    minLookups: 100,
  },
  metrics: {
    enabled: true,
    path: '/tenant-registry/metrics',
    documented: false,
    registerGlobally: false,
    prefix: 'tenant_registry_',
  },
  dashboard: {enabled: false, path: '/tenant-registry/dashboard'},
} as const);

/** Options that are gone: set, each fails with what to do instead. */
const REMOVED_OPTIONS: readonly (readonly [string, string])[] = [
  ['health.maxTenants', 'its new name, `health.warnAtTenants`'],
  ['clock', 'no such option (removed: a test seam)'],
  ['heapUsage', 'no such option (removed: a test seam)'],
  [
    'memoryPressure.maxEvictionsPerPass',
    'no such option (removed: a pass stops at the low watermark)',
  ],
];

const TEXT = /\S/;

/**
 * Merge options with the defaults, each group explicitly, and reject bad
 * values up front, naming the option and the value.
 *
 * @param options - What the application configured.
 * @returns Complete options, with the production test seams.
 * @throws TenantRegistryError `INVALID_OPTION`.
 * @internal
 */
export function resolveOptions(options: Options = {}): Resolved {
  const top = reader(options, '');
  const given = top.given;
  for (const [name, instead] of REMOVED_OPTIONS) {
    const value = valueAt(given, name);
    ensure(value === undefined, name, instead, value);
  }
  const admission = reader(given.admission, 'admission');
  const dataSources = reader(given.dataSources, 'dataSources');
  const metrics = reader(given.metrics, 'metrics');
  const strategies = resolveStrategies(given.strategies);
  return {
    cleanupInterval: top.duration('cleanupInterval', 0),
    maxIdleTime: top.duration('maxIdleTime', 0, true),
    maxTenants: top.count('maxTenants', true),
    protectionWindow: top.duration('protectionWindow', 0, true),
    memoryPressure: resolveMemoryPressure(given.memoryPressure),
    strategies,
    header: top.text('header', /^[a-z0-9-]+$/i, 'a header name').toLowerCase(),
    query: top.text('query', TEXT, 'a non-empty string'),
    host: resolveHost(given.host, strategies),
    jwt: resolveJwt(given.jwt, strategies),
    tenantIdCase: top.oneOf('tenantIdCase', ['exact', 'lowercase'] as const),
    requireTenant: top.flag('requireTenant'),
    admission: {
      cacheTtl: admission.duration('cacheTtl', 0),
      negativeCacheTtl: admission.duration('negativeCacheTtl', 0),
      cacheSize: admission.count('cacheSize'),
      checkTimeout: admission.duration('checkTimeout', 1),
      maxPendingChecks: admission.count('maxPendingChecks'),
    },
    bridge: top.flag('bridge'),
    disconnectTimeout: top.duration('disconnectTimeout', 1),
    dataSources: {
      maxOpen: dataSources.count('maxOpen', true),
      acquireTimeout: dataSources.duration('acquireTimeout', 0),
    },
    maxIdentifierBytes: top.count('maxIdentifierBytes'),
    health: resolveHealth(given.health),
    metrics: {
      enabled: metrics.flag('enabled'),
      path: metrics.given.path === false ? undefined : metrics.path('path'),
      documented: metrics.flag('documented'),
      registerGlobally: metrics.flag('registerGlobally'),
      prefix: metrics.text('prefix', /^([a-z_:][\w:]*)?$/i, 'a metric prefix'),
    },
    dashboard: resolveDashboard(given.dashboard),
    clock: Date,
    heapUsage: readHeapUsage,
  };
}

function reader<T extends object>(value: T | undefined, group: string) {
  return new OptionReader(value, group, DEFAULT_TENANT_REGISTRY_OPTIONS);
}

function resolveStrategies(value: unknown): string[] {
  const strategies = value ?? DEFAULT_TENANT_REGISTRY_OPTIONS.strategies;
  ensure(
    Array.isArray(strategies) &&
      strategies.length > 0 &&
      strategies.every(name => typeof name === 'string' && name !== ''),
    'strategies',
    'a non-empty array of strategy names',
    strategies,
  );
  const names = [...(strategies as string[])];
  const isEachOnce = new Set(names).size === names.length;
  ensure(
    isEachOnce,
    'strategies',
    'each strategy listed once',
    names.join(', '),
  );
  return names;
}

function resolveHost(
  value: Options['host'],
  strategies: string[],
): Resolved['host'] {
  const host = checkGroup('host', value);
  ensure(
    !strategies.includes('host') || !!host.domain || !!host.map,
    'host',
    'a `domain` or a `map` when the host strategy is listed (without one, any subdomain of any host would name a tenant)',
    host,
  );
  return {...host};
}

function resolveJwt(
  value: Options['jwt'],
  strategies: string[],
): Resolved['jwt'] {
  if (!strategies.includes('jwt')) return undefined;
  const jwt = reader(value, 'jwt');
  const {secret, publicKey} = jwt.given;
  ensure(
    !!secret || !!publicKey,
    'jwt',
    'a `secret` or a `publicKey` when the jwt strategy is listed',
    value,
  );
  const algorithms = jwt.given.algorithms ?? [secret ? 'HS256' : 'RS256'];
  ensure(
    Array.isArray(algorithms) &&
      algorithms.length > 0 &&
      algorithms.every(
        a => typeof a === 'string' && a.toLowerCase() !== 'none',
      ),
    'jwt.algorithms',
    'a non-empty list of signing algorithms without "none"',
    algorithms,
  );
  return {
    ...jwt.given,
    algorithms: [...algorithms],
    claim: jwt.text('claim', TEXT, 'a non-empty string'),
    maxTokenLength: jwt.count('maxTokenLength'),
    allowMissingExpiry: jwt.flag('allowMissingExpiry'),
    fallThroughWithoutToken: jwt.flag('fallThroughWithoutToken'),
  };
}

function resolveMemoryPressure(
  value: Options['memoryPressure'],
): Resolved['memoryPressure'] {
  if (value === undefined) return undefined;
  const given = typeof value === 'number' ? {high: value} : value;
  const high = typeof given === 'object' ? given?.high : undefined;
  ensure(
    isFraction(high),
    'memoryPressure',
    'a fraction of the heap limit above 0 and at most 1 (or {high, low})',
    high,
  );
  const top = high as number;
  const low = given.low ?? Math.max(top - 0.1, top / 2);
  ensure(
    isFraction(low) && low < top,
    'memoryPressure.low',
    `a fraction above 0 and below high (${top})`,
    low,
  );
  return {high: top, low, ...DEFAULT_TENANT_REGISTRY_OPTIONS.memoryPressure};
}

function resolveHealth(value: Options['health']): Resolved['health'] {
  const health = reader(value, 'health');
  const {warnAtTenants, minReuseRate} = health.given;
  if (warnAtTenants !== undefined) {
    checkCount('health.warnAtTenants', warnAtTenants, true);
  }
  ensure(
    minReuseRate === undefined ||
      minReuseRate === 0 ||
      isFraction(minReuseRate),
    'health.minReuseRate',
    'a fraction from 0 to 1',
    minReuseRate,
  );
  return {
    ...health.given,
    enabled: health.flag('enabled'),
    path: health.path('path'),
    documented: health.flag('documented'),
    minLookups: health.count('minLookups'),
  };
}

function resolveDashboard(value: Options['dashboard']): Resolved['dashboard'] {
  const dashboard = reader(value, 'dashboard');
  const resolved = {
    ...dashboard.given,
    enabled: dashboard.flag('enabled'),
    path: dashboard.path('path'),
  };
  ensure(
    !resolved.enabled || !!resolved.token || !!resolved.authorize,
    'dashboard',
    'a `token` or an `authorize` function when the dashboard is enabled',
    resolved,
  );
  const {origins} = resolved;
  ensure(
    origins === undefined ||
      (Array.isArray(origins) &&
        origins.length > 0 &&
        origins.every(o => typeof o === 'string' && !!parseOrigin(o))),
    'dashboard.origins',
    'a non-empty array of http or https origins, like "https://admin.example.com"',
    origins,
  );
  return resolved;
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child);
  }
  return Object.freeze(value);
}
