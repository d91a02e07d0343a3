// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {TenantRegistryBindings} from '../../src';
import {givenTenantApp} from '../fixtures/tenant-app';

describe('suspending a tenant, in one process (acceptance)', () => {
  it('evicts it, answers 403 TENANT_SUSPENDED until resumed, and leaves others alone', async () => {
    const {app, client} = await givenTenantApp({cleanupInterval: 0});
    try {
      const order = {
        address: {street: 's', city: 'c'},
        items: [{sku: 'x', qty: 1}],
      };
      await client
        .post('/orders')
        .set('x-tenant-id', 'acme')
        .send(order)
        .expect(200);
      const admin = await app.get(TenantRegistryBindings.ADMIN);
      const registry = await app.get(TenantRegistryBindings.REGISTRY);

      await admin.suspendTenantEverywhere('acme');
      expect(registry.tenantIds()).to.not.containEql('acme');
      const res = await client
        .get('/probe')
        .set('x-tenant-id', 'acme')
        .expect(403);
      expect(res.body.error.code).to.equal('TENANT_SUSPENDED');
      await client.get('/probe').set('x-tenant-id', 'globex').expect(200);

      await admin.resumeTenantEverywhere('acme');
      await client.get('/orders').set('x-tenant-id', 'acme').expect(200);

      await admin.evictTenantEverywhere('acme');
      expect(registry.getStats().evictions.external).to.equal(2);
      await expect(
        admin.suspendTenantEverywhere('__proto__'),
      ).to.be.rejectedWith(/Invalid tenant id/);
    } finally {
      await app.stop();
    }
  });

  it('cannot be sidestepped with another case when tenantIdCase is lowercase', async () => {
    const {app, client} = await givenTenantApp({
      cleanupInterval: 0,
      tenantIdCase: 'lowercase',
    });
    try {
      const admin = await app.get(TenantRegistryBindings.ADMIN);
      await admin.suspendTenantEverywhere('acme');
      for (const tenantId of ['acme', 'ACME', 'Acme']) {
        const res = await client
          .get('/probe')
          .set('x-tenant-id', tenantId)
          .expect(403);
        expect(res.body.error.code).to.equal('TENANT_SUSPENDED');
      }
      const res = await client.get('/probe').set('x-tenant-id', 'GLOBEX');
      expect(res.body.method).to.equal('globex');
      // Admin ids follow the same rule: suspending GLOBEX suspends globex.
      await admin.suspendTenantEverywhere('GLOBEX');
      await client.get('/probe').set('x-tenant-id', 'globex').expect(403);
    } finally {
      await app.stop();
    }
  });

  it('keeps ids exact by default: ACME is another tenant than acme', async () => {
    const {app, client} = await givenTenantApp({cleanupInterval: 0});
    try {
      const admin = await app.get(TenantRegistryBindings.ADMIN);
      await admin.suspendTenantEverywhere('acme');
      await client.get('/probe').set('x-tenant-id', 'acme').expect(403);
      const res = await client.get('/probe').set('x-tenant-id', 'ACME');
      expect(res.body.method).to.equal('ACME');
    } finally {
      await app.stop();
    }
  });
});
