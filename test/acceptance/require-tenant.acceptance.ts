// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject} from '@loopback/core';
import {juggler} from '@loopback/repository';
import {get, RestApplication, SequenceActions} from '@loopback/rest';
import {RestExplorerComponent} from '@loopback/rest-explorer';
import {
  createRestAppClient,
  expect,
  givenHttpServerConfig,
  type Client,
} from '@loopback/testlab';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {
  getCurrentTenant,
  TenantRegistryBindings,
  TenantRegistryComponent,
  type ModelRegistry,
  type TenantRegistryOptions,
} from '../../src';

const TEXT = {responses: {'200': {description: 'text'}}};

/** The route an `lb4 app` project has: it never asks for the tenant. */
class PingController {
  @get('/ping', TEXT)
  ping(): string {
    return 'pong';
  }
}

/** One route per way an app asks for the tenant. */
class TenantController {
  constructor(
    @inject(TenantRegistryBindings.REGISTRY)
    private readonly registry: ModelRegistry,
  ) {}

  @get('/required', TEXT)
  required(
    @inject(TenantRegistryBindings.REQUIRED_TENANT) tenantId: string,
  ): string {
    return tenantId;
  }

  @get('/current', TEXT)
  current(
    @inject(TenantRegistryBindings.CURRENT_TENANT) tenantId?: string,
  ): string {
    return tenantId ?? '(none)';
  }

  @get('/function', TEXT)
  fromFunction(): string {
    return getCurrentTenant() ?? '(none)';
  }

  @get('/datasource', TEXT)
  dataSource(
    @inject(TenantRegistryBindings.TENANT_DATASOURCE) ds: juggler.DataSource,
  ): string {
    return ds.name;
  }

  @get('/model', TEXT)
  model(
    @inject(TenantRegistryBindings.DEFAULT_DATASOURCE) ds: juggler.DataSource,
  ): string {
    return this.registry.defineTenantModel<{modelName: string}>(ds, 'Note', {
      text: String,
    }).modelName;
  }
}

describe('requireTenant in an app like the one `lb4 app` generates (acceptance)', () => {
  let app: RestApplication | undefined;
  let client: Client;
  let publicDir: string;

  before(() => {
    publicDir = mkdtempSync(path.join(tmpdir(), 'tenant-registry-public-'));
    writeFileSync(path.join(publicDir, 'index.html'), '<h1>home</h1>');
  });
  after(() => rmSync(publicDir, {recursive: true, force: true}));
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  describe('on', () => {
    beforeEach(() => givenApp({requireTenant: true}));

    it('serves what never asks for the tenant: home page, Explorer, spec, /ping', async () => {
      const home = await client.get('/').expect(200);
      expect(home.text).to.match(/<h1>home<\/h1>/);
      await client.get('/explorer/').expect(200).expect('content-type', /html/);
      await client.get('/openapi.json').expect(200);
      expect((await client.get('/ping').expect(200)).text).to.equal('pong');
    });

    for (const route of [
      '/required',
      '/current',
      '/function',
      '/datasource',
      '/model',
    ]) {
      it(`answers 400 TENANT_REQUIRED without a tenant, 200 with one: ${route}`, async () => {
        const refused = await client.get(route).expect(400);
        expect(refused.body.error).to.containDeep({
          code: 'TENANT_REQUIRED',
          name: 'BadRequestError',
        });
        await client.get(route).set('x-tenant-id', 'acme').expect(200);
      });
    }

    it('never falls back to the default DataSource without a tenant', async () => {
      await client.get('/datasource').expect(400);
      const res = await client.get('/datasource').set('x-tenant-id', 'acme');
      expect(res.text).to.equal('tenant-acme');
    });
  });

  describe('off (the default)', () => {
    beforeEach(() => givenApp({}));

    it('gives a request without a tenant no tenant, and the default DataSource', async () => {
      expect((await client.get('/current').expect(200)).text).to.equal(
        '(none)',
      );
      expect((await client.get('/function').expect(200)).text).to.equal(
        '(none)',
      );
      expect((await client.get('/datasource').expect(200)).text).to.equal(
        'default',
      );
      for (const route of ['/required', '/model']) {
        const refused = await client.get(route).expect(400);
        expect(refused.body.error).to.containDeep({
          code: 'TENANT_REQUIRED',
          name: 'BadRequestError',
        });
      }
    });
  });

  async function givenApp(options: TenantRegistryOptions): Promise<void> {
    const created = new RestApplication({
      rest: givenHttpServerConfig({host: '127.0.0.1', port: 0}),
    });
    created.bind(SequenceActions.LOG_ERROR).to(() => {});
    created.static('/', publicDir);
    created.component(RestExplorerComponent);
    created.configure(TenantRegistryBindings.COMPONENT).to(options);
    created.component(TenantRegistryComponent);
    created
      .bind(TenantRegistryBindings.DEFAULT_DATASOURCE)
      .to(new juggler.DataSource({name: 'default', connector: 'memory'}));
    created.bind(TenantRegistryBindings.DATASOURCE_FACTORY).to(
      tenantId =>
        new juggler.DataSource({
          name: `tenant-${tenantId}`,
          connector: 'memory',
        }),
    );
    created.controller(PingController);
    created.controller(TenantController);
    await created.start();
    app = created;
    client = createRestAppClient(created);
  }
});
