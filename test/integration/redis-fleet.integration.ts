// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {waitFor} from '../fixtures/async';
import {
  answers,
  isSuspendedHere,
  hasEvicted,
  killConnections,
  loadEverywhere,
} from '../fixtures/fleet-checks';
import {
  givenRedisFleet,
  recordTime,
  type RedisFleet,
} from '../fixtures/redis-fleet';
import {hasRedisServer} from '../fixtures/redis-server';

// Each test starts its own redis-server and three app processes; every wait
// is a generous deadline, not a performance claim (times: see recordTime).
describe('tenant events across a fleet over Redis (integration; skipped where redis-server cannot be installed, see scripts/ensure-test-packages.sh)', function () {
  // eslint-disable-next-line @typescript-eslint/no-invalid-this
  this.timeout(90000);
  let fleet: RedisFleet | undefined;

  before(function () {
    // eslint-disable-next-line @typescript-eslint/no-invalid-this
    if (!hasRedisServer) this.skip();
  });

  beforeEach(async () => {
    fleet = await givenRedisFleet(3);
  });

  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('evicts on every instance a tenant evicted on one', async () => {
    const {instances} = fleet!;
    await loadEverywhere(fleet!, 'acme');
    expect(await instances[0].call('evict', 'acme')).to.containDeep({ok: true});
    recordTime('evict: %d ms', await fleet!.waitForAll(hasEvicted('acme')));
  });

  it('suspends a tenant on every instance and on one that starts later; resume restores it', async () => {
    const {instances} = fleet!;
    await loadEverywhere(fleet!, 'globex');
    expect(await instances[1].call('suspend', 'globex')).to.containDeep({
      ok: true,
    });
    const started = Date.now();
    await fleet!.waitForAll(isSuspendedHere('globex'));
    recordTime('suspend applied: %d ms', Date.now() - started);
    await fleet!.waitForAll(answers('globex', 403));
    recordTime('suspend, 403 over HTTP: %d ms', Date.now() - started);
    const res = await fetch(`${instances[2].url}/probe`, {
      headers: {'x-tenant-id': 'globex'},
    });
    expect(((await res.json()) as {error: {code: string}}).error.code).to.equal(
      'TENANT_SUSPENDED',
    );
    await fleet!.waitForAll(hasEvicted('globex'));

    const late = await fleet!.startInstance();
    expect(await late.probe('globex')).to.equal(403);
    expect(await late.probe('initech')).to.equal(200);

    expect(await instances[2].call('resume', 'globex')).to.containDeep({
      ok: true,
    });
    recordTime(
      'resume: %d ms',
      await fleet!.waitForAll(answers('globex', 200)),
    );
  });

  it('follows the suspended hash, not messages: a forged suspend or resume changes nothing', async () => {
    const {instances} = fleet!;
    expect(await instances[0].call('suspend', 'globex')).to.containDeep({
      ok: true,
    });
    await fleet!.waitForAll(answers('globex', 403));
    const raw = await fleet!.redisClient();
    const forged = (type: string, tenantId: string) =>
      raw.xadd(
        '{fleet-test}:events',
        '*',
        'event',
        JSON.stringify({type, tenantId, instanceId: 'forger'}),
      );
    await forged('suspend', 'acme');
    await forged('resume', 'globex');
    // A real event after the forged ones: once it is everywhere, so are they.
    expect(await instances[0].call('suspend', 'marker')).to.containDeep({
      ok: true,
    });
    await fleet!.waitForAll(answers('marker', 403));
    for (const instance of instances) {
      expect(await instance.probe('acme')).to.equal(200);
      expect(await instance.probe('globex')).to.equal(403);
      expect((await instance.call('suspended')).suspended).to.deepEqual([
        'globex',
        'marker',
      ]);
    }
  });

  it('drops and counts malformed messages on every instance without acting on them', async () => {
    await loadEverywhere(fleet!, 'acme');
    const raw = await fleet!.redisClient();
    await raw.xadd('{fleet-test}:events', '*', 'event', 'not json');
    await raw.xadd(
      '{fleet-test}:events',
      '*',
      'event',
      '{"type":"evict","tenantId":"__proto__","instanceId":"x"}',
    );
    await raw.xadd(
      '{fleet-test}:events',
      '*',
      'event',
      '{"type":"drop-table","tenantId":"acme","instanceId":"x"}',
    );
    await raw.xadd('{fleet-test}:events', '*', 'event', 'x'.repeat(1 << 20));
    await fleet!.waitForAll(
      async i => (await i.call('status')).status.rejected === 4,
    );
    for (const instance of fleet!.instances) {
      expect(await instance.probe('acme')).to.equal(200);
      expect((await instance.call('tenants')).tenants).to.containEql('acme');
    }
  });

  it('after the event connections are killed, a suspend and an eviction published at once reach every instance', async () => {
    const {instances} = fleet!;
    await loadEverywhere(fleet!, 'acme');
    const raw = await fleet!.redisClient();
    const started = Date.now();
    expect(await killConnections(raw, ':events')).to.equal(3);
    expect(await instances[0].call('suspend', 'globex')).to.containDeep({
      ok: true,
    });
    expect(await instances[0].call('evict', 'acme')).to.containDeep({ok: true});
    await fleet!.waitForAll(
      async i =>
        (await answers('globex', 403)(i)) && (await hasEvicted('acme')(i)),
    );
    recordTime('events connections killed: %d ms', Date.now() - started);
  });

  it('after every connection is killed (CLIENT KILL TYPE normal), a suspend and an eviction published as soon as accepted reach every instance', async () => {
    const {instances} = fleet!;
    await loadEverywhere(fleet!, 'acme');
    const raw = await fleet!.redisClient();
    const started = Date.now();
    await raw.call('client', 'kill', 'type', 'normal');
    let refusals = 0;
    await waitFor(async () => {
      const reply = await instances[0].call('suspend', 'globex');
      if (reply.ok === true) return true;
      expect(reply.code).to.equal('TENANT_EVENTS_UNAVAILABLE');
      refusals++;
      return false;
    }, 15000);
    expect(await instances[0].call('evict', 'acme')).to.containDeep({ok: true});
    await fleet!.waitForAll(
      async i =>
        (await answers('globex', 403)(i)) && (await hasEvicted('acme')(i)),
    );
    recordTime(
      'all connections killed: %d ms (%d publishes refused first)',
      Date.now() - started,
      refusals,
    );
  });
});
