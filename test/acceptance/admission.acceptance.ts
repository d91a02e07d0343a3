// Copyright loopback4-tenant-registry contributors. MIT License.

import {juggler} from '@loopback/repository';
import {expect} from '@loopback/testlab';
import {Agent} from 'node:http';
import {
  TenantRegistryBindings,
  type ModelRegistry,
  type TenantRegistryOptions,
} from '../../src';
import {deferred, waitFor} from '../fixtures/async';
import {pool} from '../fixtures/echo-app';
import {anonymousModelNames, builderOf} from '../fixtures/juggler';
import {
  givenTenantApp,
  probeHooks,
  type TenantTestApp,
} from '../fixtures/tenant-app';

const FLOOD = 20000;
const STILL = {now: () => 1_000_000};
const ORDER = {address: {street: 's', city: 'c'}, items: [{sku: 'x', qty: 1}]};

describe('tenant admission and the tenant cap (acceptance)', () => {
  let app: TenantTestApp | undefined;
  let url: string;
  let registry: ModelRegistry;
  const agent = new Agent({keepAlive: true, maxSockets: 32});

  afterEach(async () => {
    probeHooks.whileHandling = undefined;
    await app?.stop();
    app = undefined;
  });
  after(() => agent.destroy());

  async function given(
    options: TenantRegistryOptions,
    catalog?: Set<string>,
    onCheck?: (tenantId: string) => void,
    seams?: {clock: typeof STILL},
  ) {
    ({app} = await givenTenantApp(
      {cleanupInterval: 0, ...options},
      {
        seams,
        beforeStart: a => {
          if (catalog === undefined) return;
          a.bind(TenantRegistryBindings.ADMISSION_CHECK).to(tenantId => {
            onCheck?.(tenantId);
            return catalog.has(tenantId);
          });
        },
      },
    ));
    url = app.restServer.url!;
    registry = await app.get(TenantRegistryBindings.REGISTRY);
  }

  async function request(
    tenantId: string,
    method = 'GET',
  ): Promise<{
    status: number;
    body: Record<string, unknown>;
    headers: Headers;
  }> {
    const res = await fetch(`${url}/orders`, {
      method,
      headers: {'x-tenant-id': tenantId, 'content-type': 'application/json'},
      ...(method === 'POST' && {body: JSON.stringify(ORDER)}),
    });
    const body = (await res.json()) as Record<string, unknown>;
    return {status: res.status, body, headers: res.headers};
  }

  it('floods of unknown tenants build nothing, and a real tenant keeps its data', async () => {
    let checks = 0;
    // A clock that stands still: cache lifetimes cannot expire mid-test on a
    // slow machine.
    await given({}, new Set(['acme']), () => checks++, {clock: STILL});
    expect((await request('acme', 'POST')).status).to.equal(200);
    const ds = await app!.get<juggler.DataSource>('datasources.db');
    const anonymousBefore = anonymousModelNames(builderOf(ds)).length;
    const modelsBefore = Object.keys(builderOf(ds).models).length;

    const statuses = new Map<number, number>();
    const codes = new Set<unknown>();
    let acmeFailures = 0;
    await pool(FLOOD, 32, async i => {
      if (i % 100 === 0) {
        const acme = await request('acme');
        const rows = acme.body.rows as unknown[] | undefined;
        if (acme.status !== 200 || rows?.length !== 1) acmeFailures++;
      }
      const res = await request(`unknown-${i}`);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      codes.add((res.body.error as {code?: string} | undefined)?.code);
    });

    expect([...statuses]).to.deepEqual([[404, FLOOD]]);
    expect([...codes]).to.deepEqual(['TENANT_NOT_FOUND']);
    expect(acmeFailures).to.equal(0);
    expect(registry.tenantIds()).to.deepEqual(['acme']);
    expect(anonymousModelNames(builderOf(ds)).length).to.equal(anonymousBefore);
    expect(Object.keys(builderOf(ds).models).length).to.equal(modelsBefore);
    // One check per distinct id, plus acme's one: the answers are cached.
    expect(checks).to.equal(FLOOD + 1);
    const stats = registry.getStats();
    expect(stats.admissions).to.containDeep({admitted: 1, notFound: FLOOD});
    const health = await fetch(`${url}/health/tenant-registry`);
    expect(((await health.json()) as {status: string}).status).to.equal(
      'warning',
    );
  }).timeout(180000);

  it('without admission, never holds more than maxTenants and never evicts a busy tenant', async () => {
    await given({maxTenants: 500}, undefined, undefined, {clock: STILL});
    const holdBusy = deferred();
    const busyStarted = deferred();
    let maxLive = 0;
    probeHooks.whileHandling = async tenantId => {
      maxLive = Math.max(maxLive, registry.tenantCount);
      if (tenantId === 'busy') {
        busyStarted.resolve();
        await holdBusy.promise;
      }
    };
    const evicted: string[] = [];
    registry.on('tenantEvicted', e => evicted.push(e.tenantId));
    const busy = fetch(`${url}/probe`, {headers: {'x-tenant-id': 'busy'}});
    await busyStarted.promise;

    const statuses = new Map<number, number>();
    let withoutRetryAfter = 0;
    let acmeFailures = 0;
    await pool(FLOOD, 32, async i => {
      if (i % 50 === 0) {
        if ((await request('acme')).status !== 200) acmeFailures++;
      }
      const res = await fetch(`${url}/probe`, {
        headers: {'x-tenant-id': `flood-${i}`},
      });
      await res.arrayBuffer();
      maxLive = Math.max(maxLive, registry.tenantCount);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 503 && !res.headers.get('retry-after')) {
        withoutRetryAfter++;
      }
    });
    holdBusy.resolve();
    expect((await busy).status).to.equal(200);

    expect(maxLive).to.be.belowOrEqual(500);
    expect(evicted).to.not.containEql('busy');
    expect(acmeFailures).to.equal(0);
    // The flood filled the cap once, then was refused: tenants used within
    // the protection window are not pushed out by never-seen ids.
    expect(statuses.get(200)).to.equal(498);
    expect(statuses.get(503)).to.equal(FLOOD - 498);
    expect(withoutRetryAfter).to.equal(0);
    expect(registry.getStats().admissions.capacity).to.equal(FLOOD - 498);
  }).timeout(180000);

  it('makes room by evicting the least recently used tenant when protection allows', async () => {
    await given({maxTenants: 3, protectionWindow: 0});
    for (const tenantId of ['a', 'b', 'c', 'd']) {
      expect((await request(tenantId, 'POST')).status).to.equal(200);
    }
    expect(registry.tenantIds()).to.deepEqual(['b', 'c', 'd']);
    expect(registry.getStats().evictions.capacity).to.equal(1);
  });

  it('answers 503 TENANT_CAPACITY with Retry-After when every tenant is busy', async () => {
    await given({maxTenants: 1, protectionWindow: 0});
    const hold = deferred();
    const started = deferred();
    probeHooks.whileHandling = async () => {
      started.resolve();
      await hold.promise;
    };
    const busy = fetch(`${url}/probe`, {headers: {'x-tenant-id': 'a'}});
    await started.promise;
    const res = await request('b');
    expect(res.status).to.equal(503);
    expect((res.body.error as {code: string}).code).to.equal('TENANT_CAPACITY');
    expect(res.headers.get('retry-after')).to.equal('1');
    expect(registry.tenantIds()).to.deepEqual(['a']);
    hold.resolve();
    expect((await busy).status).to.equal(200);
    probeHooks.whileHandling = undefined;
    expect((await request('b')).status).to.equal(200);
  });

  it('caches answers: a known tenant is checked once per cacheTtl', async () => {
    const checked: string[] = [];
    await given({admission: {cacheTtl: 60000}}, new Set(['acme']), id =>
      checked.push(id),
    );
    for (let i = 0; i < 5; i++) {
      expect((await request('acme')).status).to.equal(200);
      expect((await request('nobody')).status).to.equal(404);
    }
    expect(checked).to.deepEqual(['acme', 'nobody']);
  });

  it('lets runInTenant callers opt in through TenantRegistryBindings.ADMISSION', async () => {
    await given({}, new Set(['acme']));
    const admission = await app!.get(TenantRegistryBindings.ADMISSION);
    expect(await admission.runInTenant('acme', () => 'ran')).to.equal('ran');
    await expect(
      admission.runInTenant('nobody', () => 'ran'),
    ).to.be.rejectedWith(/No such tenant/);
    expect(registry.tenantIds()).to.deepEqual(['acme']);
  });

  describe('an admission check that does not answer', () => {
    async function givenCheck(
      options: TenantRegistryOptions,
      check: (tenantId: string) => boolean | Promise<boolean>,
    ) {
      ({app} = await givenTenantApp(
        {cleanupInterval: 0, ...options},
        {
          beforeStart: a =>
            a.bind(TenantRegistryBindings.ADMISSION_CHECK).to(check),
        },
      ));
      url = app.restServer.url!;
      registry = await app.get(TenantRegistryBindings.REGISTRY);
    }

    it('answers 503 TENANT_ADMISSION_UNAVAILABLE with Retry-After after checkTimeout, and caches the late answer', async () => {
      const answer = deferred<boolean>();
      let asked = 0;
      await givenCheck({admission: {checkTimeout: 50}}, () => {
        asked++;
        return answer.promise;
      });
      const res = await request('acme');
      expect(res.status).to.equal(503);
      expect(res.body.error).to.containDeep({
        code: 'TENANT_ADMISSION_UNAVAILABLE',
      });
      expect(res.headers.get('retry-after')).to.equal('1');
      expect(registry.tenantIds()).to.deepEqual([]);
      // The same tenant waits on the same check: it is not asked again.
      expect((await request('acme')).status).to.equal(503);
      expect(asked).to.equal(1);
      answer.resolve(true);
      await answer.promise;
      expect((await request('acme')).status).to.equal(200);
      expect(asked).to.equal(1);
      expect(registry.getStats().admissions).to.containDeep({
        admitted: 1,
        unavailable: 2,
      });
    });

    it('bounds the checks pending at once: one tenant more answers 503 at once', async () => {
      const answers = new Map<string, ReturnType<typeof deferred<boolean>>>();
      await givenCheck(
        {admission: {checkTimeout: 60000, maxPendingChecks: 2}},
        tenantId => {
          const answer = deferred<boolean>();
          answers.set(tenantId, answer);
          return answer.promise;
        },
      );
      const first = request('t1');
      const second = request('t2');
      await waitFor(() => answers.size === 2);
      const third = await request('t3');
      expect(third.status).to.equal(503);
      expect(third.body.error).to.containDeep({
        code: 'TENANT_ADMISSION_UNAVAILABLE',
      });
      expect([...answers.keys()]).to.deepEqual(['t1', 't2']);
      answers.get('t1')!.resolve(true);
      answers.get('t2')!.resolve(false);
      expect((await first).status).to.equal(200);
      expect((await second).status).to.equal(404);
      // Room again: t3 is asked now.
      const retried = request('t3');
      await waitFor(() => answers.has('t3'));
      answers.get('t3')!.resolve(true);
      expect((await retried).status).to.equal(200);
    });

    it('answers 503, not 500, when the check throws or rejects', async () => {
      await givenCheck({}, tenantId => {
        if (tenantId === 'sync') throw new Error('catalog down');
        return Promise.reject(new Error('catalog down'));
      });
      for (const tenantId of ['sync', 'async']) {
        const res = await request(tenantId);
        expect(res.status).to.equal(503);
        expect(res.body.error).to.containDeep({
          code: 'TENANT_ADMISSION_UNAVAILABLE',
        });
      }
      expect(registry.tenantIds()).to.deepEqual([]);
    });
  });

  describe('runInTenant for a suspended tenant', () => {
    it('is refused with TENANT_SUSPENDED and builds nothing, unless allowSuspended', async () => {
      await given({tenantIdCase: 'lowercase'}, new Set(['acme']));
      const admission = await app!.get(TenantRegistryBindings.ADMISSION);
      const admin = await app!.get(TenantRegistryBindings.ADMIN);
      await admin.suspendTenantEverywhere('acme');
      let ran = 0;
      for (const tenantId of ['acme', 'ACME']) {
        await expect(
          admission.runInTenant(tenantId, () => ran++),
        ).to.be.rejectedWith({code: 'TENANT_SUSPENDED'});
      }
      expect(ran).to.equal(0);
      expect(registry.tenantIds()).to.deepEqual([]);
      // A maintenance job says so explicitly.
      expect(
        await admission.runInTenant('ACME', () => ran++, {
          allowSuspended: true,
        }),
      ).to.equal(0);
      expect(registry.tenantIds()).to.deepEqual(['acme']);
      await admin.resumeTenantEverywhere('acme');
      expect(await admission.runInTenant('acme', () => 'ran')).to.equal('ran');
    });
  });
});
