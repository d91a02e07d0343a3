// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject} from '@loopback/core';
import {juggler} from '@loopback/repository';
import {
  DefaultSequence,
  get,
  RestApplication,
  SequenceActions,
} from '@loopback/rest';
import {
  createRestAppClient,
  expect,
  givenHttpServerConfig,
  type Client,
} from '@loopback/testlab';
import {
  getCurrentTenant,
  tenancy,
  TenantRegistryBindings,
  TenantRegistryComponent,
  type TenantRegistryOptions,
} from '../../src';

const TEXT = {responses: {'200': {description: 'text'}}};

class RoutesController {
  @tenancy.skip()
  @get('/skipped', TEXT)
  skipped(): string {
    return getCurrentTenant() ?? '(none)';
  }

  @tenancy.optional()
  @get('/optional', TEXT)
  optional(
    @inject(TenantRegistryBindings.TENANT_DATASOURCE) ds: juggler.DataSource,
  ): string {
    return ds.name;
  }

  @tenancy.required()
  @get('/required', TEXT)
  required(): string {
    return getCurrentTenant() ?? '(none)';
  }

  @get('/plain', TEXT)
  plain(
    @inject(TenantRegistryBindings.TENANT_DATASOURCE) ds: juggler.DataSource,
  ): string {
    return ds.name;
  }
}

@tenancy.required()
class RequiredController {
  @get('/class-required', TEXT)
  classRequired(): string {
    return getCurrentTenant() ?? '(none)';
  }

  @tenancy.skip()
  @get('/class-required/but-skipped', TEXT)
  butSkipped(): string {
    return getCurrentTenant() ?? '(none)';
  }
}

for (const sequence of ['middleware', 'default'] as const) {
  describe(`@tenancy overrides of requireTenant per route, ${sequence} sequence (acceptance)`, () => {
    let app: RestApplication;
    let client: Client;
    let checks: string[];

    async function givenApp(options: TenantRegistryOptions): Promise<void> {
      app = new RestApplication({
        rest: givenHttpServerConfig({host: '127.0.0.1', port: 0}),
      });
      if (sequence === 'default') app.sequence(DefaultSequence);
      app.bind(SequenceActions.LOG_ERROR).to(() => {});
      app.configure(TenantRegistryBindings.COMPONENT).to(options);
      app.component(TenantRegistryComponent);
      checks = [];
      app.bind(TenantRegistryBindings.ADMISSION_CHECK).to(tenantId => {
        checks.push(tenantId);
        return tenantId !== 'unknown';
      });
      app
        .bind(TenantRegistryBindings.DEFAULT_DATASOURCE)
        .to(new juggler.DataSource({name: 'shared', connector: 'memory'}));
      app
        .bind(TenantRegistryBindings.DATASOURCE_FACTORY)
        .to(id => new juggler.DataSource({name: id, connector: 'memory'}));
      app.controller(RoutesController);
      app.controller(RequiredController);
      await app.start();
      client = createRestAppClient(app);
    }

    afterEach(() => app.stop());

    describe('with requireTenant: true', () => {
      beforeEach(() => givenApp({strategies: ['header'], requireTenant: true}));

      it('skip: ignores the tenant header entirely, even a malformed or unknown one', async () => {
        for (const tenantId of ['acme', 'unknown', 'no/slashes']) {
          const res = await client
            .get('/skipped')
            .set('x-tenant-id', tenantId)
            .expect(200);
          expect(res.text).to.equal('(none)');
        }
        await client.get('/skipped').expect(200, '(none)');
        expect(checks).to.be.empty();
      });

      it('optional: without a tenant, the route runs in the global scope', async () => {
        await client.get('/optional').expect(200, 'shared');
        await client
          .get('/optional')
          .set('x-tenant-id', 'acme')
          .expect(200, 'acme');
        // Not an escape hatch for a tenant that is refused.
        const res = await client
          .get('/optional')
          .set('x-tenant-id', 'unknown')
          .expect(404);
        expect(res.body.error.code).to.equal('TENANT_NOT_FOUND');
      });

      it('no decorator: the tenant is required where it is used', async () => {
        const res = await client.get('/plain').expect(400);
        expect(res.body.error.code).to.equal('TENANT_REQUIRED');
      });

      it('a method decorator wins over its class decorator', async () => {
        await client.get('/class-required').expect(400);
        await client.get('/class-required/but-skipped').expect(200, '(none)');
      });
    });

    describe('with requireTenant: false', () => {
      beforeEach(() => givenApp({strategies: ['header']}));

      it('required: refuses a request without a tenant at the door', async () => {
        const res = await client.get('/required').expect(400);
        expect(res.body.error.code).to.equal('TENANT_REQUIRED');
        await client
          .get('/required')
          .set('x-tenant-id', 'acme')
          .expect(200, 'acme');
        await client.get('/class-required').expect(400);
        await client
          .get('/class-required')
          .set('x-tenant-id', 'acme')
          .expect(200, 'acme');
      });

      it('no decorator: a route without a tenant falls back as before', async () => {
        await client.get('/plain').expect(200, 'shared');
      });
    });
  });
}
