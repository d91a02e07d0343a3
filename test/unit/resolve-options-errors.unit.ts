// Copyright loopback4-tenant-registry contributors. MIT License.

import {Application} from '@loopback/core';
import {expect} from '@loopback/testlab';
import {
  TenantRegistryBindings,
  TenantRegistryComponent,
  TenantRegistryError,
  TenantRegistryErrorCodes,
  type TenantRegistryOptions,
} from '../../src';

/** Mount the component with `options`, as an application would. */
function mount(options: unknown): Application {
  const app = new Application();
  app.configure(TenantRegistryBindings.COMPONENT).to(options);
  app.component(TenantRegistryComponent);
  return app;
}

/** The error mounting the component with `options` throws. */
function refusal(options: unknown): TenantRegistryError {
  try {
    mount(options);
  } catch (error: unknown) {
    expect(error).to.be.instanceOf(TenantRegistryError);
    return error as TenantRegistryError;
  }
  throw new Error(`expected ${JSON.stringify(options)} to be refused`);
}

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
      'a fractional maxEvictionsPerPass',
      {memoryPressure: {high: 0.9, maxEvictionsPerPass: 2.5}},
      'Invalid option `memoryPressure.maxEvictionsPerPass`: expected a positive integer, got 2.5',
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

  it('accepts a memoryPressure given as {high, low, maxEvictionsPerPass}', () => {
    const app = mount({
      memoryPressure: {high: 0.9, low: 0.6, maxEvictionsPerPass: 10},
    } satisfies TenantRegistryOptions);
    expect(
      app.getSync(TenantRegistryBindings.OPTIONS).memoryPressure,
    ).to.deepEqual({high: 0.9, low: 0.6, maxEvictionsPerPass: 10});
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
