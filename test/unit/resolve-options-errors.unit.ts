// Copyright loopback4-tenant-registry contributors. MIT License.

import {Application} from '@loopback/core';
import {expect} from '@loopback/testlab';
import {
  TenantRegistryBindings,
  TenantRegistryComponent,
  TenantRegistryErrorCodes,
  type TenantRegistryOptions,
} from '../../src';
import {
  DEFAULT_TENANT_REGISTRY_OPTIONS,
  resolveOptions,
} from '../../src/options/resolve-options';
import {mount, refusal} from '../fixtures/component-options';

describe('component options that are refused (unit)', () => {
  const cases: [string, unknown, string][] = [
    [
      'options that are not an object',
      'header',
      'Invalid option `(component options)`: expected an object, got "header"',
    ],
    [
      'a memoryPressure low at or above high',
      {memoryPressure: {high: 0.8, low: 0.9}},
      'Invalid option `memoryPressure.low`: expected a fraction above 0 and below high (0.8), got 0.9',
    ],
    [
      'a memoryPressure low that is not a fraction',
      {memoryPressure: {high: 0.8, low: 0}},
      'Invalid option `memoryPressure.low`: expected a fraction above 0 and below high (0.8), got 0',
    ],
    [
      'a memoryPressure without high',
      {memoryPressure: {low: 0.5}},
      'Invalid option `memoryPressure`: expected a fraction of the heap limit above 0 and at most 1 (or {high, low}), got undefined',
    ],
    [
      'a misspelled option (LB4 configure() is untyped)',
      {requiredTenant: true},
      'Invalid option `requiredTenant`: expected a known option (did you mean `requireTenant`?), got true',
    ],
    [
      'a misspelled option in a group',
      {admission: {checkTimout: 100}},
      'Invalid option `admission.checkTimout`: expected a known option (did you mean `admission.checkTimeout`?), got 100',
    ],
    [
      'an option name nothing is close to',
      {dataSources: {pool: 3}},
      'Invalid option `dataSources.pool`: expected one of the options of dataSources: maxOpen, acquireTimeout, got 3',
    ],
    [
      'health.maxTenants, renamed warnAtTenants',
      {health: {maxTenants: 500}},
      'Invalid option `health.maxTenants`: expected its new name, `health.warnAtTenants`, got 500',
    ],
    [
      'a clock (a test seam, not an option)',
      {clock: {now: () => 0}},
      'Invalid option `clock`: expected no such option (removed: a test seam), got an object',
    ],
    [
      'a heapUsage reader (a test seam, not an option)',
      {heapUsage: () => ({usedBytes: 0, limitBytes: 1})},
      'Invalid option `heapUsage`: expected no such option (removed: a test seam), got a function',
    ],
    [
      'a maxEvictionsPerPass (removed)',
      {memoryPressure: {high: 0.9, maxEvictionsPerPass: 10}},
      'Invalid option `memoryPressure.maxEvictionsPerPass`: expected no such option (removed: a pass stops at the low watermark), got 10',
    ],
    [
      'a group that is not an object',
      {admission: 5},
      'Invalid option `admission`: expected an object, got 5',
    ],
    [
      'a group that is an array',
      {health: []},
      'Invalid option `health`: expected an object, got an array of 0',
    ],
    [
      'a health flag that is a string',
      {health: {enabled: 'no'}},
      'Invalid option `health.enabled`: expected true or false, got "no"',
    ],
    [
      'a minReuseRate above 1',
      {health: {minReuseRate: 2}},
      'Invalid option `health.minReuseRate`: expected a fraction from 0 to 1, got 2',
    ],
    [
      'a warnAtTenants of 0',
      {health: {warnAtTenants: 0}},
      'Invalid option `health.warnAtTenants`: expected a positive integer or Infinity, got 0',
    ],
    [
      'a metric prefix with a dash',
      {metrics: {prefix: 'my-app_'}},
      'Invalid option `metrics.prefix`: expected a metric prefix, got "my-app_"',
    ],
    [
      'an empty query parameter name',
      {query: ''},
      'Invalid option `query`: expected a non-empty string, got ""',
    ],
    [
      'a negative cleanupInterval',
      {cleanupInterval: -1},
      'Invalid option `cleanupInterval`: expected a number of milliseconds of at least 0, got -1',
    ],
    [
      'a maxTenants of 0',
      {maxTenants: 0},
      'Invalid option `maxTenants`: expected a positive integer or Infinity, got 0',
    ],
    [
      'a jwt maxTokenLength of 0',
      {strategies: ['jwt'], jwt: {secret: 's', maxTokenLength: 0}},
      'Invalid option `jwt.maxTokenLength`: expected a positive integer, got 0',
    ],
    [
      'an empty jwt claim',
      {strategies: ['jwt'], jwt: {secret: 's', claim: ''}},
      'Invalid option `jwt.claim`: expected a non-empty string, got ""',
    ],
    [
      'an infinite admission cache (only some counts may be Infinity)',
      {admission: {cacheSize: Infinity}},
      'Invalid option `admission.cacheSize`: expected a positive integer, got Infinity',
    ],
    [
      'a maxIdentifierBytes that is not a positive integer',
      {maxIdentifierBytes: 0},
      'Invalid option `maxIdentifierBytes`: expected a positive integer, got 0',
    ],
    [
      'a requireTenant that is a string',
      {requireTenant: 'yes'},
      'Invalid option `requireTenant`: expected true or false, got "yes"',
    ],
    [
      'a bridge that is a number',
      {bridge: 1},
      'Invalid option `bridge`: expected true or false, got 1',
    ],
    [
      'an unknown tenantIdCase',
      {tenantIdCase: 'upper'},
      'Invalid option `tenantIdCase`: expected "exact" or "lowercase", got "upper"',
    ],
    [
      'a function as tenantIdCase',
      {tenantIdCase: () => 'exact'},
      'Invalid option `tenantIdCase`: expected "exact" or "lowercase", got a function',
    ],
    [
      'an empty strategy name',
      {strategies: ['header', '']},
      'Invalid option `strategies`: expected a non-empty array of strategy names, got an array of 2',
    ],
    [
      'a strategy listed twice',
      {strategies: ['header', 'query', 'header']},
      'Invalid option `strategies`: expected each strategy listed once, got "header, query, header"',
    ],
    [
      'a header name with a space or a colon',
      {header: 'x tenant:'},
      'Invalid option `header`: expected a header name, got "x tenant:"',
    ],
    [
      'a health path without a leading slash',
      {health: {path: 'health'}},
      'Invalid option `health.path`: expected a path starting with "/", got "health"',
    ],
    [
      'a metrics path with a query string',
      {metrics: {path: '/metrics?x=1'}},
      'Invalid option `metrics.path`: expected a path starting with "/", got "/metrics?x=1"',
    ],
    [
      'a dashboard path with a space',
      {dashboard: {path: '/tenant dashboard', token: 't'}},
      'Invalid option `dashboard.path`: expected a path starting with "/", got "/tenant dashboard"',
    ],
    [
      'an enabled dashboard without a token or an authorize function',
      {dashboard: {enabled: true}},
      'Invalid option `dashboard`: expected a `token` or an `authorize` function when the dashboard is enabled, got an object',
    ],
    [
      'dashboard origins given as one string',
      {
        dashboard: {
          enabled: true,
          token: 't',
          origins: 'https://admin.example.com',
        },
      },
      'Invalid option `dashboard.origins`: expected a non-empty array of http or https origins, like "https://admin.example.com", got "https://admin.example.com"',
    ],
    [
      'an empty list of dashboard origins',
      {dashboard: {enabled: true, token: 't', origins: []}},
      'Invalid option `dashboard.origins`: expected a non-empty array of http or https origins, like "https://admin.example.com", got an array of 0',
    ],
    [
      'a dashboard origin with a path',
      {
        dashboard: {
          enabled: true,
          token: 't',
          origins: ['https://admin.example.com/dashboard'],
        },
      },
      'Invalid option `dashboard.origins`: expected a non-empty array of http or https origins, like "https://admin.example.com", got an array of 1',
    ],
    [
      'a dashboard origin "null"',
      {dashboard: {enabled: true, token: 't', origins: ['null']}},
      'Invalid option `dashboard.origins`: expected a non-empty array of http or https origins, like "https://admin.example.com", got an array of 1',
    ],
    [
      'a dashboard origin without a scheme',
      {dashboard: {enabled: true, token: 't', origins: ['admin.example.com']}},
      'Invalid option `dashboard.origins`: expected a non-empty array of http or https origins, like "https://admin.example.com", got an array of 1',
    ],
    [
      'a dashboard origin that is not http or https',
      {
        dashboard: {
          enabled: true,
          token: 't',
          origins: ['ftp://admin.example.com'],
        },
      },
      'Invalid option `dashboard.origins`: expected a non-empty array of http or https origins, like "https://admin.example.com", got an array of 1',
    ],
    [
      'a dashboard origin "*"',
      {dashboard: {enabled: true, token: 't', origins: ['*']}},
      'Invalid option `dashboard.origins`: expected a non-empty array of http or https origins, like "https://admin.example.com", got an array of 1',
    ],
    [
      'jwt algorithms that are not an array',
      {strategies: ['jwt'], jwt: {secret: 's', algorithms: 'HS256'}},
      'Invalid option `jwt.algorithms`: expected a non-empty list of signing algorithms without "none", got "HS256"',
    ],
    [
      'an empty list of jwt algorithms',
      {strategies: ['jwt'], jwt: {secret: 's', algorithms: []}},
      'Invalid option `jwt.algorithms`: expected a non-empty list of signing algorithms without "none", got an array of 0',
    ],
    [
      'a jwt algorithm "NONE" in any case',
      {strategies: ['jwt'], jwt: {secret: 's', algorithms: ['HS256', 'NONE']}},
      'Invalid option `jwt.algorithms`: expected a non-empty list of signing algorithms without "none", got an array of 2',
    ],
  ];

  for (const [what, options, message] of cases) {
    it(`refuses ${what} with INVALID_OPTION`, () => {
      const error = refusal(options);
      expect(error.code).to.equal(TenantRegistryErrorCodes.INVALID_OPTION);
      expect(error.statusCode).to.equal(500);
      expect(error.message).to.equal(message);
    });
  }

  it('shows a symbol value by its type only', () => {
    const error = refusal({tenantIdCase: Symbol('secret')});
    expect(error.message).to.endWith('got a symbol');
    expect(error.message).to.not.match(/secret/);
  });

  it('shows a long value truncated, with its length', () => {
    const header = 'x'.repeat(45) + ' ';
    const error = refusal({header});
    expect(error.message).to.endWith(
      `got "${'x'.repeat(40)}... (46 characters)"`,
    );
  });

  it('mounts with no options configured at all', () => {
    const app = new Application();
    app.component(TenantRegistryComponent);
    const resolved = app.getSync(TenantRegistryBindings.OPTIONS);
    expect(resolved.strategies).to.deepEqual(['header']);
    expect(resolved.metrics.path).to.equal('/tenant-registry/metrics');
  });

  it('accepts a memoryPressure given as {high, low}', () => {
    const app = mount({
      memoryPressure: {high: 0.9, low: 0.6},
    } satisfies TenantRegistryOptions);
    expect(
      app.getSync(TenantRegistryBindings.OPTIONS).memoryPressure,
    ).to.deepEqual({high: 0.9, low: 0.6, maxEvictionsPerPass: 1000});
  });

  it('fills every default from DEFAULT_TENANT_REGISTRY_OPTIONS, group by group', () => {
    const resolved = resolveOptions({
      strategies: ['jwt'],
      jwt: {secret: 's'},
      admission: {cacheTtl: 1},
      health: {warnAtTenants: 10},
    });
    const defaults = DEFAULT_TENANT_REGISTRY_OPTIONS;
    expect(resolved).to.containDeep({
      ...defaults,
      strategies: ['jwt'],
      jwt: {...defaults.jwt, secret: 's', algorithms: ['HS256']},
      admission: {...defaults.admission, cacheTtl: 1},
      health: {...defaults.health, warnAtTenants: 10},
      memoryPressure: undefined,
    });
    expect(resolved.clock).to.equal(Date);
    expect(Object.isFrozen(defaults.admission)).to.be.true();
  });

  it('keeps what a group does not default (jwt issuer, dashboard token)', () => {
    const resolved = resolveOptions({
      strategies: ['jwt'],
      jwt: {secret: 's', issuer: 'me'},
      dashboard: {enabled: true, token: 't'},
    });
    expect(resolved.jwt?.issuer).to.equal('me');
    expect(resolved.dashboard).to.deepEqual({
      enabled: true,
      token: 't',
      path: '/tenant-registry/dashboard',
    });
  });

  it('gives the registry maxIdentifierBytes (63 unless configured)', () => {
    const registryOf = (app: Application) =>
      app.getSync(TenantRegistryBindings.REGISTRY);
    expect(registryOf(mount({})).maxIdentifierBytes).to.equal(63);
    const app = mount({maxIdentifierBytes: 128});
    expect(registryOf(app).maxIdentifierBytes).to.equal(128);
  });

  it('leaves the metrics path unset when it is false', () => {
    const app = mount({metrics: {path: false}} satisfies TenantRegistryOptions);
    const {metrics} = app.getSync(TenantRegistryBindings.OPTIONS);
    expect(metrics.enabled).to.be.true();
    expect(metrics.path).to.be.undefined();
  });
});
