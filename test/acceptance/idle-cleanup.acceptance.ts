// Copyright loopback4-tenant-registry contributors. MIT License.

import {juggler} from '@loopback/repository';
import {expect} from '@loopback/testlab';
import {TenantRegistryBindings, type ModelRegistry} from '../../src';
import {deferred, tick, waitFor} from '../fixtures/async';
import {anonymousModelNames, builderOf} from '../fixtures/juggler';
import {givenTenantApp, probeHooks} from '../fixtures/tenant-app';

describe('idle cleanup with real timers (acceptance)', () => {
  afterEach(() => {
    probeHooks.whileHandling = undefined;
  });

  it('releases an idle tenant’s models while keeping a tenant with a request in flight', async () => {
    const {app, client} = await givenTenantApp({
      cleanupInterval: 20,
      maxIdleTime: 100,
    });
    try {
      const ds = await app.get<juggler.DataSource>('datasources.db');
      const registry = await app.get<ModelRegistry>(
        TenantRegistryBindings.REGISTRY,
      );
      const order = {
        address: {street: 's', city: 'c'},
        items: [{sku: 'x', qty: 1}],
      };
      await client
        .post('/orders')
        .set('x-tenant-id', 'idle')
        .send(order)
        .expect(200);
      await client
        .post('/orders')
        .set('x-tenant-id', 'busy')
        .send(order)
        .expect(200);
      const withBoth = anonymousModelNames(builderOf(ds)).length;

      // busy: a slow request holds its lease across many cleanup passes.
      const inside = deferred();
      const finish = deferred();
      probeHooks.whileHandling = async tenantId => {
        if (tenantId !== 'busy') return;
        inside.resolve();
        await finish.promise;
      };
      const slow = client
        .get('/probe')
        .set('x-tenant-id', 'busy')
        .then(r => r);
      await inside.promise;
      // The probe does not touch busy's models: once maxIdleTime has passed,
      // only its lease keeps it.
      await waitFor(() => !registry.tenantIds().includes('idle'), 3000);

      expect(builderOf(ds).models).to.not.have.property('Order_idle');
      expect(builderOf(ds).models).to.have.property('Order_busy');
      expect(anonymousModelNames(builderOf(ds)).length).to.be.below(withBoth);
      await tick(250);
      expect(registry.tenantIds()).to.containEql('busy');

      finish.resolve();
      expect((await slow).status).to.equal(200);
      await waitFor(() => registry.tenantIds().length === 0, 3000);
      expect(builderOf(ds).models).to.not.have.property('Order_busy');

      // The next request for an evicted tenant works again.
      const res = await client
        .get('/orders')
        .set('x-tenant-id', 'idle')
        .expect(200);
      expect(res.body).to.containDeep({model: 'Order_idle', rows: [order]});
    } finally {
      await app.stop();
    }
  });
});
