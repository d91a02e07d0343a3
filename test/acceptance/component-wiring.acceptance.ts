// Copyright loopback4-tenant-registry contributors. MIT License.

import {RestApplication, RestBindings} from '@loopback/rest';
import {expect, givenHttpServerConfig} from '@loopback/testlab';
import {
  InProcessTenantEvents,
  RedisTenantEvents,
  TenantRegistryBindings,
  TenantRegistryComponent,
  type TenantRegistryOptions,
} from '../../src';
import {useRedisTransports} from '../fixtures/redis-transport';

function givenApp(): RestApplication {
  return new RestApplication({
    rest: givenHttpServerConfig({host: '127.0.0.1', port: 0}),
  });
}

function thrownBy(act: () => unknown): Error {
  try {
    act();
  } catch (error: unknown) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('TenantRegistryComponent wiring: configuration order and bindings the app brings (acceptance)', () => {
  let app: RestApplication | undefined;

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  describe('configuration given after app.component()', () => {
    it('throws INVALID_OPTION from app.configure(), where it would have been ignored', () => {
      app = givenApp();
      app.component(TenantRegistryComponent);
      const error = thrownBy(() =>
        app!
          .configure<TenantRegistryOptions>(TenantRegistryBindings.COMPONENT)
          .to({requireTenant: true}),
      );
      expect(error).to.containDeep({code: 'INVALID_OPTION'});
      expect(error.message).to.match(
        /before app\.component\(TenantRegistryComponent\)/,
      );
    });

    it('throws from .to() when the configuration bound before is replaced after', () => {
      app = givenApp();
      const configuration = app
        .configure<TenantRegistryOptions>(TenantRegistryBindings.COMPONENT)
        .to({strategies: ['header']});
      app.component(TenantRegistryComponent);
      expect(
        thrownBy(() => configuration.to({strategies: ['query']})),
      ).to.containDeep({code: 'INVALID_OPTION'});
      // Tags and scope are not options: changing them is fine.
      expect(() => configuration.tag('mine')).to.not.throw();
    });

    it('reads the configuration bound before app.component()', async () => {
      app = givenApp();
      app
        .configure<TenantRegistryOptions>(TenantRegistryBindings.COMPONENT)
        .to({strategies: ['query'], query: 'org'});
      app.component(TenantRegistryComponent);
      const options = await app.get(TenantRegistryBindings.OPTIONS);
      expect(options.strategies).to.deepEqual(['query']);
      expect(options.query).to.equal('org');
    });
  });

  describe('bindings the application made before app.component()', () => {
    it('keeps its own TENANT_EVENTS instead of the in-process default', async () => {
      app = givenApp();
      const events = new InProcessTenantEvents();
      app.bind(TenantRegistryBindings.TENANT_EVENTS).to(events);
      app.component(TenantRegistryComponent);
      expect(await app.get(TenantRegistryBindings.TENANT_EVENTS)).to.equal(
        events,
      );
    });

    it('keeps its own error writer options', async () => {
      app = givenApp();
      app.bind(RestBindings.ERROR_WRITER_OPTIONS).to({debug: true});
      app.component(TenantRegistryComponent);
      expect(await app.get(RestBindings.ERROR_WRITER_OPTIONS)).to.deepEqual({
        debug: true,
      });
    });

    it('still lets a binding made after app.component() replace a default', async () => {
      app = givenApp();
      app.component(TenantRegistryComponent);
      const events = new InProcessTenantEvents();
      app.bind(TenantRegistryBindings.TENANT_EVENTS).to(events);
      expect(await app.get(TenantRegistryBindings.TENANT_EVENTS)).to.equal(
        events,
      );
    });
  });

  describe('a RedisTenantEvents bound before app.component() (real Redis)', () => {
    const fleet = useRedisTransports();

    it('carries a suspend to Redis, where the fleet sees it', async () => {
      app = givenApp();
      app.bind(TenantRegistryBindings.TENANT_EVENTS).to(
        new RedisTenantEvents({
          redis: {host: '127.0.0.1', port: fleet.redis.port},
          prefix: 'wired:',
        }),
      );
      app.component(TenantRegistryComponent);
      await app.start();
      const admin = await app.get(TenantRegistryBindings.ADMIN);
      await admin.suspendTenantEverywhere('acme');
      expect(await fleet.raw.hkeys('{wired}:suspended')).to.deepEqual(['acme']);
      const peer = await fleet.givenTransport({prefix: 'wired:'});
      expect(await peer.transport.suspendedTenants()).to.deepEqual(['acme']);
    });
  });
});
