// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  DEFAULT_MAX_IDENTIFIER_BYTES,
  tenantIdentifier,
} from '../context/tenant-identifier';
import {parseOrigin} from '../controllers/same-origin';
import {readHeapUsage} from '../eviction/memory-pressure';
import {
  checkGroup,
  count,
  ensure,
  flag,
  is,
  isFraction,
  list,
  ms,
  text,
  type Check,
} from './option-checks';
import {checkOptionNames} from './option-names';
import {checkJwtKeySource, jwksUrl} from './jwt-checks';
import type {
  ResolvedTenantRegistryOptions as Resolved,
  TenantRegistryOptions as Options,
} from './tenant-registry-options';

/** The default of every option that has one; `ModelRegistry` reads it too. */
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
    jwksCacheMaxAge: 10 * 60 * 1000,
    jwksCooldown: 30 * 1000,
    jwksTimeout: 5 * 1000,
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
  schemas: {
    version: '',
    lockTimeout: 30 * 1000,
    allowDrop: false,
    migrateOnFirstUse: false,
  },
} as const);

const NON_EMPTY = text(/\S/, 'a non-empty string');
const PATH = text(/^\/[\w\-./]*$/, 'a path starting with "/"');

/** How each option is checked, by group (`''`: the top level). */
const RULES: Record<string, Record<string, Check>> = {
  '': {
    cleanupInterval: ms(0),
    maxIdleTime: ms(0, true),
    maxTenants: count(true),
    protectionWindow: ms(0, true),
    header: text(/^[a-z0-9-]+$/i, 'a header name'),
    query: NON_EMPTY,
    strategies: list(
      name => typeof name === 'string' && name !== '',
      'a non-empty array of strategy names',
    ),
    tenantIdCase: is(
      v => v === 'exact' || v === 'lowercase',
      '"exact" or "lowercase"',
    ),
    requireTenant: flag,
    bridge: flag,
    disconnectTimeout: ms(1),
    maxIdentifierBytes: count(),
  },
  admission: {
    cacheTtl: ms(0),
    negativeCacheTtl: ms(0),
    cacheSize: count(),
    checkTimeout: ms(1),
    maxPendingChecks: count(),
  },
  dataSources: {maxOpen: count(true), acquireTimeout: ms(0)},
  jwt: {
    algorithms: list(
      a => typeof a === 'string' && a.toLowerCase() !== 'none',
      'a non-empty list of signing algorithms without "none"',
    ),
    claim: NON_EMPTY,
    maxTokenLength: count(),
    allowMissingExpiry: flag,
    fallThroughWithoutToken: flag,
    jwksUrl,
    jwksCacheMaxAge: ms(1, true),
    jwksCooldown: ms(0),
    jwksTimeout: ms(1),
  },
  health: {
    enabled: flag,
    path: PATH,
    documented: flag,
    minLookups: count(),
    warnAtTenants: count(true),
    minReuseRate: is(v => v === 0 || isFraction(v), 'a fraction from 0 to 1'),
  },
  metrics: {
    enabled: flag,
    path: (name, value) => (value === false ? undefined : PATH(name, value)),
    documented: flag,
    registerGlobally: flag,
    prefix: text(/^([a-z_:][\w:]*)?$/i, 'a metric prefix'),
  },
  schemas: {
    models: is(
      v => Array.isArray(v) && v.every(m => typeof m === 'function'),
      'an array of model classes',
    ),
    version: is(v => typeof v === 'string', 'a string'),
    concurrency: count(),
    lockTimeout: ms(0),
    schemaName: is(v => typeof v === 'function', 'a function'),
    allowDrop: flag,
    migrateOnFirstUse: is(
      v =>
        typeof v === 'boolean' ||
        (typeof v === 'object' &&
          v !== null &&
          Object.keys(v).every(key => key === 'timeout') &&
          isWaitBound((v as {timeout?: unknown}).timeout)),
      'true, false or {timeout: ms}, a timeout of at least 1 ms',
    ),
  },
  dashboard: {
    enabled: flag,
    path: PATH,
    origins: list(
      o => typeof o === 'string' && !!parseOrigin(o),
      'a non-empty array of http or https origins, like "https://admin.example.com"',
    ),
  },
};

/**
 * Merge options with the defaults, each group explicitly, and reject bad
 * values up front, naming the option and the value (`INVALID_OPTION`).
 */
export function resolveOptions(options: Options = {}): Resolved {
  const given = checkGroup('(component options)', options) as Options;
  checkOptionNames(given, RULES);
  const top = resolveGroup('', given);
  const strategies = [...(top.strategies as string[])];
  ensure(
    new Set(strategies).size === strategies.length,
    'strategies',
    'each strategy listed once',
    strategies.join(', '),
  );
  const metrics = resolveGroup('metrics', given.metrics);
  const resolved = {
    ...top,
    header: (top.header as string).toLowerCase(),
    strategies,
    memoryPressure: resolveMemoryPressure(given.memoryPressure),
    host: resolveHost(given.host, strategies),
    jwt: strategies.includes('jwt') ? resolveJwt(given.jwt) : undefined,
    admission: resolveGroup('admission', given.admission),
    dataSources: resolveGroup('dataSources', given.dataSources),
    health: resolveGroup('health', given.health),
    metrics: {...metrics, path: metrics.path || undefined}, // false: none
    dashboard: resolveDashboard(given.dashboard),
    schemas: resolveSchemas(given.schemas, given.dataSources?.maxOpen),
    clock: Date,
    heapUsage: readHeapUsage,
  };
  return resolved as unknown as Resolved;
}

/** A group's options checked, unset ones defaulted, unruled ones kept. */
function resolveGroup(group: string, value: unknown): Record<string, unknown> {
  const given = checkGroup(group || '(component options)', value);
  const defaults: Record<string, unknown> = group
    ? DEFAULT_TENANT_REGISTRY_OPTIONS[group as 'health']
    : DEFAULT_TENANT_REGISTRY_OPTIONS;
  const resolved: Record<string, unknown> = group ? {...given} : {};
  for (const [key, check] of Object.entries(RULES[group])) {
    const option = key in defaults ? (given[key] ?? defaults[key]) : given[key];
    if (option === undefined) continue; // off unless set (health thresholds)
    check(group ? `${group}.${key}` : key, option);
    resolved[key] = option;
  }
  return resolved;
}

function resolveHost(value: unknown, strategies: string[]): object {
  const host = checkGroup('host', value);
  ensure(
    !strategies.includes('host') || !!host.domain || !!host.map,
    'host',
    'a `domain` or a `map` when the host strategy is listed (without one, any subdomain of any host would name a tenant)',
    host,
  );
  return {...host};
}

function resolveJwt(value: Options['jwt']): Record<string, unknown> {
  const given = checkGroup('jwt', value);
  const algorithms = given.algorithms ?? [given.secret ? 'HS256' : 'RS256'];
  const jwt = resolveGroup('jwt', {...given, algorithms});
  checkJwtKeySource(jwt);
  return {...jwt, algorithms: [...(jwt.algorithms as string[])]};
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

function resolveDashboard(value: unknown): Record<string, unknown> {
  const dashboard = resolveGroup('dashboard', value);
  ensure(
    !dashboard.enabled || !!dashboard.token || !!dashboard.authorize,
    'dashboard',
    'a `token` or an `authorize` function when the dashboard is enabled',
    dashboard,
  );
  return dashboard;
}

/** Concurrency defaults to half the DataSource slots, leaving the rest to traffic. */
function resolveSchemas(value: unknown, maxOpen = Infinity) {
  const schemas = resolveGroup('schemas', value);
  const fallback = Math.min(4, Math.max(1, Math.floor(maxOpen / 2)));
  const concurrency = (schemas.concurrency as number | undefined) ?? fallback;
  ensure(
    concurrency <= maxOpen,
    'schemas.concurrency',
    `at most dataSources.maxOpen (${maxOpen}): each tenant migrated holds a DataSource slot`,
    concurrency,
  );
  return {
    ...schemas,
    models: [...((schemas.models as unknown[] | undefined) ?? [])],
    concurrency,
    schemaName:
      schemas.schemaName ??
      ((tenantId: string) => tenantIdentifier('tenant', tenantId)),
  };
}

/** A first-use wait: unset (the default) or a whole number of ms from 1. */
function isWaitBound(value: unknown): boolean {
  return (
    value === undefined ||
    (typeof value === 'number' && Number.isInteger(value) && value >= 1)
  );
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child);
  }
  return Object.freeze(value);
}
