// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {
  givenEchoApp,
  pool,
  type EchoApp,
  type EchoBody,
} from '../fixtures/echo-app';

const TENANTS = 500;
const REQUESTS = 20000;
const CONCURRENCY = 64;

const orderOf = (tenantId: string) => ({
  tenant: tenantId,
  address: {street: `${tenantId} street`, city: `${tenantId.length} city`},
  items: [{sku: `sku-${tenantId}`, qty: tenantId.length}],
});

describe('isolation under load (acceptance)', () => {
  let app: EchoApp;
  let url: string;

  before(async () => {
    app = await givenEchoApp();
    url = app.restServer.url!;
  });
  after(() => app.stop());

  it(`keeps ${TENANTS} tenants apart over ${REQUESTS} concurrent requests`, async () => {
    const tenants = Array.from({length: TENANTS}, (_, i) => `tenant-${i}`);
    await pool(TENANTS, CONCURRENCY, async i => {
      const res = await fetch(`${url}/echo-orders`, {
        method: 'POST',
        headers: {
          'x-tenant-id': tenants[i],
          'content-type': 'application/json',
        },
        body: JSON.stringify(orderOf(tenants[i])),
      });
      expect(res.status).to.equal(200);
    });

    const mismatches: string[] = [];
    const addressModels = new Map<string, Set<string>>();
    let failures = 0;
    await pool(REQUESTS, CONCURRENCY, async i => {
      const tenantId = tenants[(i * 7919) % TENANTS];
      const res = await fetch(`${url}/echo?seed=${i % 97}`, {
        headers: {'x-tenant-id': tenantId},
      });
      if (res.status !== 200) {
        failures++;
        return;
      }
      const body = (await res.json()) as EchoBody;
      if (
        body.context !== tenantId ||
        body.injected !== tenantId ||
        body.model !== `Order_${tenantId}` ||
        body.orders.length !== 1 ||
        JSON.stringify({...body.orders[0], id: undefined}) !==
          JSON.stringify({...orderOf(tenantId), id: undefined})
      ) {
        mismatches.push(`${tenantId}: ${JSON.stringify(body).slice(0, 200)}`);
      }
      let seen = addressModels.get(tenantId);
      if (seen === undefined) addressModels.set(tenantId, (seen = new Set()));
      seen.add(body.addressModel);
    });

    expect(failures).to.equal(0);
    expect(mismatches).to.deepEqual([]);
    // Each tenant got one nested address model of its own, never another's.
    const owners = new Map<string, string>();
    for (const [tenantId, models] of addressModels) {
      expect(models.size).to.equal(1);
      const [name] = models;
      expect(owners.get(name)).to.be.undefined();
      owners.set(name, tenantId);
    }
    expect(owners.size).to.equal(TENANTS);
  }).timeout(180000);
});
