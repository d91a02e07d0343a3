// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  createRestAppClient,
  expect,
  givenHttpServerConfig,
  type Client,
  type supertest,
} from '@loopback/testlab';
import {juggler} from '@loopback/repository';
import jwt from 'jsonwebtoken';
import {TenantRegistryBindings} from '../../src';
import {waitFor} from '../fixtures/async';
import {builderOf} from '../fixtures/juggler';
import {
  ExamplePortApplication,
  PORT_JWT_SECRET,
  tenantDataSourceKey,
  type User,
} from '../fixtures/lb4-example-port';

/** Makes a request name its tenant one way. */
type NameTenant = (test: supertest.Test, tenantId: string) => supertest.Test;

/** How a request names its tenant, one per strategy of the LB4 example. */
const WAYS: [string, NameTenant][] = [
  [
    'the x-tenant-id header',
    (test, tenantId) => test.set('x-tenant-id', tenantId),
  ],
  [
    'a signed JWT',
    (test, tenantId) =>
      test.set('authorization', `Bearer ${signedToken({tenantId})}`),
  ],
  [
    'the tenant-id query parameter',
    (test, tenantId) => test.query({'tenant-id': tenantId}),
  ],
  [
    'the host name',
    (test, tenantId) => test.set('host', `${tenantId}.example.com`),
  ],
];

describe('the LB4 multi-tenancy example, ported (acceptance)', () => {
  let app: ExamplePortApplication;
  let client: Client;

  beforeEach(givenExamplePortApp);
  afterEach(() => app.stop());

  describe('home page and ping', () => {
    it('serves an HTML home page at /', async () => {
      await client
        .get('/')
        .expect(200)
        .expect('Content-Type', /text\/html/);
    });

    it('serves the API explorer at /explorer/', async () => {
      await client
        .get('/explorer/')
        .expect(200)
        .expect('Content-Type', /text\/html/)
        .expect(/<title>LoopBack API Explorer/);
    });

    it('answers GET /ping with a greeting, without a tenant', async () => {
      const res = await client.get('/ping?msg=world').expect(200);
      expect(res.body).to.deepEqual({
        greeting: 'Hello from LoopBack',
        url: '/ping?msg=world',
        tenant: null,
      });
    });
  });

  for (const [way, withTenant] of WAYS) {
    describe(`users per tenant, named by ${way}`, () => {
      beforeEach(async () => {
        await withTenant(client.post('/users'), 'abc')
          .send({name: 'John'})
          .expect(200);
        await withTenant(client.post('/users'), 'xyz')
          .send({name: 'Mary'})
          .expect(200);
        await client.post('/users').send({name: 'Jane'}).expect(200);
      });

      it('finds the users of tenant abc in its DataSource', async () => {
        const res = await withTenant(client.get('/users'), 'abc').expect(200);
        expect(res.body).to.deepEqual([
          {id: '1', name: 'John', tenantId: 'abc'},
        ]);
      });

      it('finds the users of tenant xyz in its DataSource', async () => {
        const res = await withTenant(client.get('/users'), 'xyz').expect(200);
        expect(res.body).to.deepEqual([
          {id: '1', name: 'Mary', tenantId: 'xyz'},
        ]);
      });

      it('finds the users of no tenant in the default DataSource', async () => {
        const res = await client.get('/users').expect(200);
        expect(res.body).to.deepEqual([{id: '1', name: 'Jane', tenantId: ''}]);
      });
    });
  }

  describe('what changes for a team migrating from the example', () => {
    it('answers 401 for a token signed with another secret (the example decodes it as tenant abc)', async () => {
      const forged = jwt.sign({tenantId: 'abc'}, 'another-secret-0123456789', {
        expiresIn: '10m',
      });
      expect(jwt.decode(forged)).to.containEql({tenantId: 'abc'});
      const res = await client
        .get('/users')
        .set('authorization', `Bearer ${forged}`)
        .expect(401);
      expect(res.body.error.code).to.equal('INVALID_TENANT_TOKEN');
    });

    it('answers 401 for an alg none token (the example decodes it as tenant abc)', async () => {
      const unsigned = [
        base64url({alg: 'none', typ: 'JWT'}),
        base64url({tenantId: 'abc'}),
        '',
      ].join('.');
      expect(jwt.decode(unsigned)).to.containEql({tenantId: 'abc'});
      const res = await client
        .get('/users')
        .set('authorization', `Bearer ${unsigned}`)
        .expect(401);
      expect(res.body.error.code).to.equal('INVALID_TENANT_TOKEN');
    });

    it('answers 401 for a token without exp, as the example’s tests sign them', async () => {
      const token = jwt.sign({tenantId: 'abc'}, PORT_JWT_SECRET);
      const res = await client
        .get('/users')
        .set('authorization', `Bearer ${token}`)
        .expect(401);
      expect(res.body.error.code).to.equal('INVALID_TENANT_TOKEN');
    });

    it('never falls through from a refused token to the x-tenant-id header', async () => {
      const res = await client
        .get('/users')
        .set('authorization', 'Bearer not.a.token')
        .set('x-tenant-id', 'abc')
        .expect(401);
      expect(res.body.error.code).to.equal('INVALID_TENANT_TOKEN');
    });

    it('answers 404 for a tenant the application has no DataSource for', async () => {
      const res = await client
        .get('/users')
        .set('x-tenant-id', 'unknown')
        .expect(404);
      expect(res.body.error.code).to.equal('TENANT_NOT_FOUND');
    });

    it('hands UserController the example’s Tenant from the admission check, asking once per tenant', async () => {
      await app.stop();
      app = new ExamplePortApplication({
        rest: givenHttpServerConfig({host: '127.0.0.1', port: 0}),
      });
      const check = app.getSync(TenantRegistryBindings.ADMISSION_CHECK);
      const asked: string[] = [];
      app.bind(TenantRegistryBindings.ADMISSION_CHECK).to(tenantId => {
        asked.push(tenantId);
        return check(tenantId);
      });
      await app.start();
      client = createRestAppClient(app);
      for (const name of ['Ann', 'Bob']) {
        const res = await client
          .post('/users')
          .set('x-tenant-id', 'abc')
          .send({name})
          .expect(200);
        expect(res.body).to.containDeep({name, tenantId: 'abc'});
      }
      expect(asked).to.deepEqual(['abc']);
    });

    it('answers 404 once a tenant’s DataSource is gone, and 200 when it is back', async () => {
      const registry = await app.get(TenantRegistryBindings.REGISTRY);
      const key = tenantDataSourceKey('xyz');
      const xyz = await app.get<juggler.DataSource>(key);
      await client.get('/users').set('x-tenant-id', 'xyz').expect(200);
      registry.evictTenant('xyz');
      await waitFor(() => !registry.hasTenant('xyz'));
      await registry.drain();
      app.unbind(key);
      const res = await client
        .get('/users')
        .set('x-tenant-id', 'xyz')
        .expect(404);
      expect(res.body.error.code).to.equal('TENANT_NOT_FOUND');
      app.dataSource(xyz);
      // Onboarding again: forget the cached "no such tenant".
      (await app.get(TenantRegistryBindings.ADMISSION)).clearCache('xyz');
      await client.get('/users').set('x-tenant-id', 'xyz').expect(200);
    });

    it('answers 400 for an id that is not a valid tenant id', async () => {
      const res = await client.get('/users?tenant-id=..%2Fdb').expect(400);
      expect(res.body.error.code).to.equal('INVALID_TENANT_ID');
    });

    it('keeps each tenant’s users out of the other tenant’s reads', async () => {
      const creates = ['abc', 'xyz', 'abc', 'xyz', 'abc'].map((tenantId, i) =>
        client
          .post('/users')
          .set('x-tenant-id', tenantId)
          .send({name: `user-${i}`})
          .expect(200),
      );
      await Promise.all(creates);

      const abc = await client.get('/users').set('x-tenant-id', 'abc');
      const xyz = await client.get('/users').set('x-tenant-id', 'xyz');
      expect(abc.body.map((user: User) => user.name).sort()).to.deepEqual([
        'user-0',
        'user-2',
        'user-4',
      ]);
      expect(xyz.body.map((user: User) => user.name).sort()).to.deepEqual([
        'user-1',
        'user-3',
      ]);
      expect(abc.body.map((user: User) => user.tenantId)).to.matchEach('abc');
      expect(xyz.body.map((user: User) => user.tenantId)).to.matchEach('xyz');
      await client.get('/users/3').set('x-tenant-id', 'xyz').expect(404);
      await client.get('/users').expect(200, []);
    });
  });

  describe('the application’s own DataSources, lent to the component', () => {
    it('are never disconnected and gain no listener, over 20 evictions and app.stop(); the tenant’s models go', async () => {
      const registry = await app.get(TenantRegistryBindings.REGISTRY);
      const abc = await app.get<juggler.DataSource>(tenantDataSourceKey('abc'));
      const listUsers = () =>
        client.get('/users').set('x-tenant-id', 'abc').expect(200);
      await client
        .post('/users')
        .set('x-tenant-id', 'abc')
        .send({name: 'John'})
        .expect(200);
      const listeners = listenersOf(abc);
      for (let eviction = 0; eviction < 20; eviction++) {
        registry.evictTenant('abc'); // once its request has ended
        await waitFor(() => !registry.hasTenant('abc'));
        await registry.drain();
        expect(abc.connected).to.be.true();
        expect(builderOf(abc).models).to.not.have.property('User');
        const res = await listUsers();
        expect(res.body.map((user: User) => user.name)).to.deepEqual(['John']);
      }
      expect(listenersOf(abc)).to.deepEqual(listeners);
      await app.stop();
      expect(abc.connected).to.be.true();
    });
  });

  async function givenExamplePortApp() {
    app = new ExamplePortApplication({
      rest: givenHttpServerConfig({host: '127.0.0.1', port: 0}),
    });
    await app.start();
    client = createRestAppClient(app);
  }
});

/** A token the port accepts: HS256 with its secret, expiring. */
function signedToken(claims: object): string {
  return jwt.sign(claims, PORT_JWT_SECRET, {
    algorithm: 'HS256',
    expiresIn: '10m',
  });
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The listeners and connector observers the component could add. */
function listenersOf(dataSource: juggler.DataSource) {
  const {_observers: observers} = dataSource.connector as unknown as {
    _observers?: Record<string, unknown[]>;
  };
  return {
    error: dataSource.listenerCount('error'),
    afterExecuteError: observers?.['after execute error']?.length ?? 0,
  };
}
