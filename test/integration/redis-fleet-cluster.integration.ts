// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {Cluster} from 'ioredis';
import {RedisTenantEvents} from '../../src';
import {waitFor} from '../fixtures/async';
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
import {
  hasRedisTools,
  startRedisCluster,
  type RedisCluster,
} from '../fixtures/redis-cluster';

// Three cluster-enabled redis-servers joined by `redis-cli --cluster create`
// and two app processes, per test; every wait is a deadline, not a claim.
describe('a fleet over a real Redis Cluster (integration; skipped where redis-server or redis-cli is missing)', function () {
  // eslint-disable-next-line @typescript-eslint/no-invalid-this
  this.timeout(60000);
  let cluster: RedisCluster;
  let fleet: RedisFleet<{port: number; stop(): Promise<void>}> | undefined;
  const clients: Cluster[] = [];

  before(function () {
    // eslint-disable-next-line @typescript-eslint/no-invalid-this
    if (!hasRedisTools) this.skip();
  });

  beforeEach(async () => {
    cluster = await startRedisCluster();
    fleet = await givenRedisFleet(
      2,
      {redis: {cluster: cluster.startupNodes()}},
      {port: cluster.nodes[0].port, stop: () => cluster.stop()},
    );
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await fleet?.stop();
    fleet = undefined;
  });

  it('suspends, evicts and resumes on every instance and on one that joins later; both keys in one slot', async () => {
    const {instances} = fleet!;
    await loadEverywhere(fleet!, 'acme');
    expect(await instances[0].call('suspend', 'globex')).to.containDeep({
      ok: true,
    });
    expect(await instances[1].call('evict', 'acme')).to.containDeep({ok: true});
    recordTime(
      'cluster, suspend and evict: %d ms',
      await fleet!.waitForAll(
        async i =>
          (await answers('globex', 403)(i)) && (await hasEvicted('acme')(i)),
      ),
    );
    const raw = givenClusterClient();
    await raw.connect();
    expect(await raw.hkeys('{fleet-test}:suspended')).to.deepEqual(['globex']);
    // What a MULTI over the un-tagged names of earlier versions met.
    await expect(
      raw
        .multi()
        .hset('fleet-test:suspended', 'a', '1')
        .xadd('fleet-test:events', '*', 'x', '1')
        .exec(),
    ).to.be.rejectedWith(/same slot|CROSSSLOT/i);

    const late = await fleet!.startInstance();
    expect(await late.probe('globex')).to.equal(403);
    expect(await instances[1].call('resume', 'globex')).to.containDeep({
      ok: true,
    });
    await fleet!.waitForAll(answers('globex', 200));
  });

  it('goes out of sync while the node holding its keys is down, and back in sync with every suspension after it restarts', async () => {
    const {instances} = fleet!;
    expect(await instances[0].call('suspend', 'before')).to.containDeep({
      ok: true,
    });
    await fleet!.waitForAll(answers('before', 403));
    const node = await cluster.nodeOf('{fleet-test}:events');
    await node.kill();
    await fleet!.waitForAll(async i => !(await isInSync(i)));
    const refused = await instances[1].call('suspend', 'during');
    expect(refused.code).to.equal('TENANT_EVENTS_UNAVAILABLE');
    expect(await instances[1].probe('before')).to.equal(403);

    const restarted = Date.now();
    await node.restart();
    await fleet!.waitForAll(isInSync, 30000);
    recordTime('cluster, node restarted: %d ms', Date.now() - restarted);
    expect(await instances[1].call('suspend', 'after')).to.containDeep({
      ok: true,
    });
    await fleet!.waitForAll(
      async i =>
        (await answers('after', 403)(i)) && (await answers('before', 403)(i)),
    );
  });

  it('takes an ioredis Cluster as a template: publishes on its own connections and leaves the given one untouched', async () => {
    const template = givenClusterClient();
    const events = new RedisTenantEvents({
      redis: template,
      prefix: 'template:',
      connectionName: 'template-test',
    });
    await events.start();
    try {
      expect(events.isConnected()).to.be.true();
      await events.publish({
        type: 'suspend',
        tenantId: 'acme',
        instanceId: 'x',
      });
      await waitFor(async () =>
        (await events.suspendedTenants()).includes('acme'),
      );
      expect(template.status).to.equal('wait');
    } finally {
      await events.stop();
    }
    const raw = givenClusterClient();
    await raw.connect();
    expect(await raw.hkeys('{template}:suspended')).to.deepEqual(['acme']);
  });

  function givenClusterClient(): Cluster {
    const client = new Cluster(cluster.startupNodes(), {lazyConnect: true});
    client.on('error', () => {});
    clients.push(client);
    return client;
  }
});
