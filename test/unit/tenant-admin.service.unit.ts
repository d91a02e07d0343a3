// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {SuspendedTenants} from '../../src/fleet/suspended-tenants';
import type {TenantEvent, TenantEvents} from '../../src/fleet/tenant-event';
import type {ModelRegistry} from '../../src/registry/model-registry';
import {TenantAdminService} from '../../src/services/tenant-admin.service';

describe('TenantAdminService', () => {
  let evicted: string[];
  let published: TenantEvent[];
  let isDown: boolean;
  let admin: TenantAdminService;
  let suspended: SuspendedTenants;

  beforeEach(() => {
    evicted = [];
    published = [];
    isDown = false;
    suspended = new SuspendedTenants();
    const registry = {
      evictTenant: (tenantId: string) => evicted.push(tenantId),
    } as unknown as ModelRegistry;
    const events = {
      async publish(event: TenantEvent) {
        if (isDown) throw new Error('Not connected to Redis');
        published.push(event);
      },
      subscribe: () => () => {},
      suspendedTenants: async () => [],
    } satisfies TenantEvents;
    admin = new TenantAdminService(registry, suspended, events);
  });

  it('publishes, then applies here', async () => {
    await admin.suspendTenantEverywhere('acme');
    expect(published.map(e => `${e.type}:${e.tenantId}`)).to.deepEqual([
      'suspend:acme',
    ]);
    expect(admin.isSuspended('acme')).to.be.true();
    expect(evicted).to.deepEqual(['acme']);
    await admin.resumeTenantEverywhere('acme');
    expect(admin.isSuspended('acme')).to.be.false();
  });

  for (const action of ['evict', 'suspend', 'resume'] as const) {
    it(`fails ${action} with 503 TENANT_EVENTS_UNAVAILABLE while the transport is down, changing nothing here`, async () => {
      suspended.add('resumed-only-by-the-fleet');
      isDown = true;
      const run = {
        evict: () => admin.evictTenantEverywhere('acme'),
        suspend: () => admin.suspendTenantEverywhere('acme'),
        resume: () => admin.resumeTenantEverywhere('resumed-only-by-the-fleet'),
      }[action];
      await expect(run()).to.be.rejectedWith({
        code: 'TENANT_EVENTS_UNAVAILABLE',
        statusCode: 503,
      });
      expect(evicted).to.deepEqual([]);
      expect(suspended.list()).to.deepEqual(['resumed-only-by-the-fleet']);
    });
  }

  it('rejects an invalid tenant id before publishing', async () => {
    await expect(admin.evictTenantEverywhere('../etc')).to.be.rejectedWith({
      code: 'INVALID_TENANT_ID',
    });
    expect(published).to.deepEqual([]);
  });
});
