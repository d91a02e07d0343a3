// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  Client,
  createRestAppClient,
  expect,
  givenHttpServerConfig,
} from '@loopback/testlab';
import {execFile} from 'node:child_process';
import path from 'node:path';
import {promisify} from 'node:util';
import {StoreApplication} from '../../examples/store/application';
import {TenantRegistryBindings} from '../../src';

const TOKEN = 'example-dashboard-token';
const ORDER = {
  customer: 'Ada',
  address: {street: '1 Main St', city: 'Springfield', zip: '12345'},
  items: [{sku: 'A-1', qty: 2, price: 9.5}],
};

describe('example store (acceptance)', () => {
  let app: StoreApplication;
  let client: Client;

  before(async () => {
    app = new StoreApplication({
      rest: givenHttpServerConfig({host: '127.0.0.1', port: 0}),
      tenants: ['acme', 'globex', 'a-b', 'a.b', 'a:b', 'a_b'],
      tenantRegistryOptions: {dashboard: {enabled: true, token: TOKEN}},
    });
    await app.start();
    client = createRestAppClient(app);
  });
  after(() => app.stop());

  it('keeps two tenants’ orders and custom fields apart', async () => {
    await client
      .post('/orders')
      .set('x-tenant-id', 'acme')
      .send(ORDER)
      .expect(200);
    await client
      .post('/custom-fields')
      .set('x-tenant-id', 'acme')
      .send({name: 'giftWrap', type: 'boolean'})
      .expect(200);
    await client
      .post('/orders')
      .set('x-tenant-id', 'acme')
      .send({customer: 'Bob', giftWrap: true})
      .expect(200);
    await client
      .post('/orders')
      .set('x-tenant-id', 'globex')
      .send({...ORDER, customer: 'Grace'})
      .expect(200);

    const acme = await client
      .get('/orders')
      .set('x-tenant-id', 'acme')
      .expect(200);
    const globex = await client
      .get('/orders')
      .set('x-tenant-id', 'globex')
      .expect(200);
    expect(acme.body.model).to.equal('Order_acme');
    expect(
      acme.body.orders.map((o: {customer: string}) => o.customer),
    ).to.deepEqual(['Ada', 'Bob']);
    expect(acme.body.orders[0]).to.containDeep(ORDER);
    expect(acme.body.orders[1].giftWrap).to.be.true();
    expect(
      globex.body.orders.map((o: {customer: string}) => o.customer),
    ).to.deepEqual(['Grace']);
    const fields = await client
      .get('/custom-fields')
      .set('x-tenant-id', 'globex')
      .expect(200);
    expect(fields.body).to.deepEqual({});
  });

  it('answers 400 without a tenant and for a bad one', async () => {
    const none = await client.get('/orders').expect(400);
    expect(none.body.error.code).to.equal('TENANT_REQUIRED');
    const bad = await client
      .get('/orders')
      .set('x-tenant-id', '../etc')
      .expect(400);
    expect(bad.body.error.code).to.equal('INVALID_TENANT_ID');
  });

  it('refuses tenants outside its catalog until one is added', async () => {
    const unknown = await client
      .get('/orders')
      .set('x-tenant-id', 'initech')
      .expect(404);
    expect(unknown.body.error.code).to.equal('TENANT_NOT_FOUND');
    await client.post('/tenants').send({id: 'initech'}).expect(200);
    await client.get('/orders').set('x-tenant-id', 'initech').expect(200);
    const bad = await client
      .post('/tenants')
      .send({id: '__proto__'})
      .expect(400);
    expect(bad.body.error.code).to.equal('INVALID_TENANT_ID');
  });

  it('gives a-b, a.b, a:b and a_b models of their own, and data of their own', async () => {
    const ids = ['a-b', 'a.b', 'a:b', 'a_b'];
    for (const tenantId of ids) {
      await client
        .post('/orders')
        .set('x-tenant-id', tenantId)
        .send({...ORDER, customer: `customer of ${tenantId}`})
        .expect(200);
    }
    const models = new Set<string>();
    for (const tenantId of ids) {
      const res = await client
        .get('/orders')
        .set('x-tenant-id', tenantId)
        .expect(200);
      models.add(res.body.model);
      expect(
        res.body.orders.map((o: {customer: string}) => o.customer),
      ).to.deepEqual([`customer of ${tenantId}`]);
    }
    expect(models.size).to.equal(4);
    const manager = await app.get(TenantRegistryBindings.REGISTRY_MANAGER);
    const registry = await app.get(TenantRegistryBindings.REGISTRY);
    registry.evictTenant('a-b');
    for (const tenantId of ['a.b', 'a:b', 'a_b']) {
      const res = await client
        .get('/orders')
        .set('x-tenant-id', tenantId)
        .expect(200);
      expect(res.body.orders).to.have.length(1);
    }
    expect(manager.getStats().evictions.manual).to.be.aboveOrEqual(1);
  });

  it('serves metrics and the dashboard with its token', async () => {
    const metrics = await client.get('/tenant-registry/metrics').expect(200);
    expect(metrics.headers['content-type']).to.match(/^text\/plain/);
    expect(metrics.text).to.match(/tenant_registry_admissions_total/);
    await client.get('/tenant-registry/dashboard').expect(401);
    await client.get(`/tenant-registry/dashboard?token=${TOKEN}`).expect(200);
  });

  it('serves the health endpoint', async () => {
    const res = await client.get('/health/tenant-registry').expect(200);
    expect(res.body.status).to.equal('healthy');
    expect(res.body.metrics.tenantScopes).to.be.aboveOrEqual(2);
  });
});

describe('npm run demo (smoke)', () => {
  it('prints the before/after table for a small run', async () => {
    const demo = path.resolve(__dirname, '../../examples/store/demo.js');
    const {stdout} = await promisify(execFile)(
      process.execPath,
      [demo, '--tenants=12', '--requests=3'],
      {encoding: 'utf8', timeout: 120000},
    );
    const row = (label: string) =>
      stdout
        .split('\n')
        .find(line => line.startsWith(`| ${label} `))
        ?.split('|')
        .map(cell => cell.trim());
    expect(row('requests (failed)')?.slice(2, 4)).to.deepEqual([
      '36 (0)',
      '36 (0)',
    ]);
    const loaded = row('anonymous models in builders')!;
    const cleaned = row('anonymous models after idle cleanup')!;
    expect(Number(loaded[3])).to.be.below(Number(loaded[2]));
    expect(Number(cleaned[3])).to.equal(0);
    expect(Number(cleaned[2])).to.equal(Number(loaded[2]));
  });
});
