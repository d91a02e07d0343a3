// Copyright loopback4-tenant-registry contributors. MIT License.

import {juggler} from '@loopback/repository';
import {
  createRestAppClient,
  expect,
  givenHttpServerConfig,
  type Client,
} from '@loopback/testlab';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {ShopApplication} from '../../examples/readme/application';
import {builderOf} from '../fixtures/juggler';

describe('the README quick start, as a user builds it (acceptance)', () => {
  let app: ShopApplication;
  let client: Client;

  before(async () => {
    app = new ShopApplication({
      rest: givenHttpServerConfig({host: '127.0.0.1', port: 0}),
    });
    await app.start();
    client = createRestAppClient(app);
  });
  after(() => app.stop());

  it('keeps two tenants apart', async () => {
    const order = {customer: 'Ada', address: {street: 's', city: 'c'}};
    await client
      .post('/orders')
      .set('x-tenant-id', 'acme')
      .send(order)
      .expect(200);
    const acme = await client
      .get('/orders')
      .set('x-tenant-id', 'acme')
      .expect(200);
    const globex = await client
      .get('/orders')
      .set('x-tenant-id', 'globex')
      .expect(200);
    expect(acme.body).to.have.length(1);
    expect(acme.body[0]).to.containDeep(order);
    expect(globex.body).to.deepEqual([]);
  });

  it('answers 400 TENANT_REQUIRED without a tenant, and defines no model', async () => {
    const ds = await app.get<juggler.DataSource>('datasources.db');
    const before = Object.keys(builderOf(ds).models).sort();
    const res = await client.get('/orders').expect(400);
    expect(res.body.error.code).to.equal('TENANT_REQUIRED');
    expect(Object.keys(builderOf(ds).models).sort()).to.deepEqual(before);
    expect(before.filter(name => /undefined/.test(name))).to.be.empty();
  });

  it('documents the tenant header for Explorer, and not on its own endpoints', async () => {
    const res = await client.get('/openapi.json').expect(200);
    for (const method of ['get', 'post']) {
      expect(res.body.paths['/orders'][method].parameters).to.containDeep([
        // Optional in the spec: under requireTenant, only what asks for the
        // tenant refuses a request without one.
        {name: 'x-tenant-id', in: 'header', required: false},
      ]);
    }
    expect(res.body.paths['/health/tenant-registry']).to.be.undefined();
  });

  it('serves health and Prometheus metrics where the README says', async () => {
    await client.get('/health/tenant-registry').expect(200);
    const metrics = await client.get('/tenant-registry/metrics').expect(200);
    expect(metrics.text).to.match(/^# HELP tenant_registry_tenants /m);
  });

  it('is what the README shows, file by file', () => {
    const root = path.resolve(__dirname, '../../..');
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const blocks = [
      ...readme.matchAll(/<!-- file: (\S+) -->\n```ts\n([\s\S]*?)```/g),
    ];
    expect(blocks.map(b => b[1]).sort()).to.deepEqual([
      'examples/readme/application.ts',
      'examples/readme/order.controller.ts',
      'examples/readme/order.repository.ts',
    ]);
    for (const [, file, code] of blocks) {
      // The file's leading comments (license, notes) are not shown.
      const source = readFileSync(path.join(root, file), 'utf8').replace(
        /^(\/\/.*\n|\n)*/,
        '',
      );
      expect(code).to.equal(source);
    }
  });
});
