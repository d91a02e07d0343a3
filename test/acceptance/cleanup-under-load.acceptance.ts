// Copyright loopback4-tenant-registry contributors. MIT License.

import {juggler} from '@loopback/repository';
import {expect} from '@loopback/testlab';
import {TenantRegistryBindings, type TenantEviction} from '../../src';
import {anonymousModelNames, builderOf} from '../fixtures/juggler';
import {
  givenEchoApp,
  inFlight,
  pool,
  type EchoApp,
  type EchoBody,
} from '../fixtures/echo-app';

const TENANTS = 200;
const REQUESTS = 6000;

describe('cleanup under load (acceptance)', () => {
  let app: EchoApp;

  afterEach(() => app?.stop());

  it('evicts mid-traffic without failing a request or evicting one in flight', async () => {
    app = await givenEchoApp({
      cleanupInterval: 15,
      maxIdleTime: 25,
      // Above the 48 requests in flight, so that room can always be made;
      // and room is made at once: this test is about evicting under load,
      // not about refusing new tenants.
      maxTenants: 60,
      protectionWindow: 0,
    });
    const url = app.restServer.url!;
    const registry = await app.get(TenantRegistryBindings.REGISTRY);
    const evictions: TenantEviction[] = [];
    const evictedInFlight: string[] = [];
    registry.on('tenantEvicted', eviction => {
      evictions.push(eviction);
      if (inFlight.has(eviction.tenantId))
        evictedInFlight.push(eviction.tenantId);
    });

    let failures = 0;
    const mismatches: string[] = [];
    await pool(REQUESTS, 48, async i => {
      const tenantId = `tenant-${(i * 7919) % TENANTS}`;
      const res = await fetch(`${url}/echo?seed=${i % 31}`, {
        headers: {'x-tenant-id': tenantId},
      });
      if (res.status !== 200) {
        failures++;
        return;
      }
      const body = (await res.json()) as EchoBody;
      if (body.context !== tenantId || body.model !== `Order_${tenantId}`) {
        mismatches.push(tenantId);
      }
    });

    expect(failures).to.equal(0);
    expect(mismatches).to.deepEqual([]);
    expect(evictedInFlight).to.deepEqual([]);
    // Tenants were evicted while traffic ran, and their models re-created.
    expect(evictions.length).to.be.above(TENANTS);
    expect(new Set(evictions.map(e => e.reason))).to.containEql('capacity');

    const manager = await app.get(TenantRegistryBindings.REGISTRY_MANAGER);
    manager.forceCleanup();
    const ds = await app.get<juggler.DataSource>('datasources.db');
    expect(anonymousModelNames(builderOf(ds))).to.deepEqual([]);
    expect(
      Object.keys(builderOf(ds).models).filter(n => n.startsWith('Order_')),
    ).to.deepEqual([]);
    expect(registry.getStats().tenantScopes).to.equal(0);
  }).timeout(180000);
});
