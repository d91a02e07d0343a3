// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {
  answers,
  hasEvicted,
  isInSync,
  loadEverywhere,
} from '../fixtures/fleet-checks';
import {
  givenRedisFleet,
  recordTime,
  type RedisFleet,
} from '../fixtures/redis-fleet';
import {hasRedisServer} from '../fixtures/redis-server';

// Redis going away, an instance cut off, an instance starting without Redis.
// Each test starts its own redis-server and app processes; every wait is a
// generous deadline, not a performance claim (times: see recordTime).
describe('a fleet over Redis through outages (integration; skipped where redis-server cannot be installed)', function () {
  // eslint-disable-next-line @typescript-eslint/no-invalid-this
  this.timeout(120000);
  let fleet: RedisFleet | undefined;

  before(function () {
    // eslint-disable-next-line @typescript-eslint/no-invalid-this
    if (!hasRedisServer) this.skip();
  });

  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('an instance started while Redis is down joins once it is up, with the suspensions made before and after', async () => {
    fleet = await givenRedisFleet(2);
    const [first, second] = fleet.instances;
    expect(await first.call('suspend', 'before')).to.containDeep({ok: true});
    await fleet.redis.kill();

    const late = await fleet.startInstance({startTimeout: 100});
    const {status} = await late.call('status');
    expect(status).to.containDeep({isInSync: false});
    const health = await fetch(`${late.url}/health/tenant-registry`);
    const report = (await health.json()) as {
      status: string;
      warnings: string[];
    };
    expect(report.status).to.equal('warning');
    expect(report.warnings.join()).to.match(/fleet events are out of sync/);

    const restarted = Date.now();
    await fleet.redis.restart();
    await fleet.waitForAll(answers('before', 403), 30000);
    recordTime('late joiner, Redis back: %d ms', Date.now() - restarted);
    // Enforcing the suspension can come a moment before the instance calls
    // itself in sync (its stream reader may still be reconnecting): wait.
    await fleet.waitForAll(isInSync);
    expect(await second.call('suspend', 'after')).to.containDeep({ok: true});
    recordTime(
      'late joiner, suspend after: %d ms',
      await fleet.waitForAll(answers('after', 403)),
    );
  });

  it('an eviction and a suspend published while an instance is cut off are applied by it when it reconnects', async () => {
    fleet = await givenRedisFleet(3);
    const [publisher, , away] = fleet.instances;
    await loadEverywhere(fleet, 'acme');
    away.proxy.cut();
    await fleet.waitForAll(async i => i !== away || !(await isInSync(i)));
    expect(await publisher.call('evict', 'acme')).to.containDeep({ok: true});
    expect(await publisher.call('suspend', 'globex')).to.containDeep({
      ok: true,
    });
    await fleet.waitForAll(
      async i => i === away || (await hasEvicted('acme')(i)),
    );
    expect((await away.call('tenants')).tenants).to.containEql('acme');
    expect(await away.probe('globex')).to.equal(200);

    const restored = Date.now();
    away.proxy.restore();
    await fleet.waitForAll(
      async i =>
        (await hasEvicted('acme')(i)) && (await answers('globex', 403)(i)),
      30000,
    );
    recordTime('cut-off instance, reconnected: %d ms', Date.now() - restored);
    const {status} = await away.call('status');
    expect(status.replayed).to.be.aboveOrEqual(2);
    expect(status.resyncs).to.be.aboveOrEqual(2);
  });

  it('an instance cut off while Redis came back empty evicts what it holds on its return (the eviction it missed is gone from the stream)', async () => {
    fleet = await givenRedisFleet(3);
    const [publisher, , away] = fleet.instances;
    await loadEverywhere(fleet, 'ta');
    away.proxy.cut();
    await fleet.waitForAll(async i => i !== away || !(await isInSync(i)));
    expect(await publisher.call('evict', 'ta')).to.containDeep({ok: true});
    await fleet.redis.kill();
    await fleet.redis.restart({empty: true});
    await fleet.waitForAll(async i => i === away || (await isInSync(i)), 30000);
    expect(await publisher.call('evict', 'tb')).to.containDeep({ok: true});
    expect((await away.call('tenants')).tenants).to.containEql('ta');

    const restored = Date.now();
    away.proxy.restore();
    await fleet.waitForAll(
      async i => (await isInSync(i)) && (await hasEvicted('ta')(i)),
      30000,
    );
    recordTime('gap, cut-off instance evicted: %d ms', Date.now() - restored);
    // It says so: health (still healthy: it is in sync again) and metrics.
    const health = await fetch(`${away.url}/health/tenant-registry`);
    const {status, metrics} = (await health.json()) as {
      status: string;
      metrics: {events: {gaps: number; lastGap: {reason: string}}};
    };
    expect(status).to.equal('healthy');
    expect(metrics.events.gaps).to.equal(1);
    // Other instances added anchors or events to the new stream first.
    expect(metrics.events.lastGap.reason).to.match(/^(recreated|replaced)$/);
    const text = await (
      await fetch(`${away.url}/tenant-registry/metrics`)
    ).text();
    expect(text).to.match(/^tenant_registry_events_total\{kind="gaps"\} 1$/m);
  });

  it('a suspend while Redis is down gets 503 TENANT_EVENTS_UNAVAILABLE and leaves every instance consistent when it returns', async () => {
    fleet = await givenRedisFleet(3);
    const [first] = fleet.instances;
    await loadEverywhere(fleet, 'hooli');
    await fleet.redis.kill();

    const refused = await first.admin('suspend', 'hooli');
    expect(refused.status).to.equal(503);
    expect(refused.body.error.code).to.equal('TENANT_EVENTS_UNAVAILABLE');
    expect((await first.call('suspended')).suspended).to.deepEqual([]);
    expect(await first.probe('hooli')).to.equal(200);

    const restarted = Date.now();
    await fleet.redis.restart();
    await fleet.waitForAll(isInSync, 30000);
    recordTime('outage, back in sync: %d ms', Date.now() - restarted);
    for (const instance of fleet.instances) {
      expect(await instance.probe('hooli')).to.equal(200);
      expect((await instance.call('suspended')).suspended).to.deepEqual([]);
    }

    const accepted = await first.admin('suspend', 'hooli');
    expect(accepted.status).to.equal(200);
    recordTime(
      'outage, suspend after: %d ms',
      await fleet.waitForAll(answers('hooli', 403)),
    );
  });
});
