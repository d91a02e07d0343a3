// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {waitFor} from '../fixtures/async';
import {answers, isInSync} from '../fixtures/fleet-checks';
import {
  givenRedisFleet,
  recordTime,
  type RedisFleet,
} from '../fixtures/redis-fleet';
import {hasRedisServer} from '../fixtures/redis-server';
import {
  SENTINEL_GROUP,
  startRedisSentinelGroup,
  type RedisSentinelGroup,
} from '../fixtures/redis-sentinel';

const SUSPENDED = '{fleet-test}:suspended';

// A primary, a replica and a sentinel (redis-server --sentinel) and two app
// processes, per test; every wait is a deadline, not a performance claim.
describe('a fleet over Redis Sentinel through a failover (integration; skipped where redis-server is missing)', function () {
  // eslint-disable-next-line @typescript-eslint/no-invalid-this
  this.timeout(60000);
  let group: RedisSentinelGroup;
  let fleet: RedisFleet<{port: number; stop(): Promise<void>}> | undefined;

  before(function () {
    // eslint-disable-next-line @typescript-eslint/no-invalid-this
    if (!hasRedisServer) this.skip();
  });

  beforeEach(async () => {
    group = await startRedisSentinelGroup();
    const sentinels = [{host: '127.0.0.1', port: group.sentinel.port}];
    fleet = await givenRedisFleet(
      2,
      {redis: {name: SENTINEL_GROUP, sentinels}},
      {port: group.primary.port, stop: () => group.stop()},
    );
  });

  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('after SENTINEL FAILOVER, instances reconnect to the new primary, stay in sync and lose no suspension', async () => {
    const {instances} = fleet!;
    expect(await instances[0].call('suspend', 'before')).to.containDeep({
      ok: true,
    });
    await fleet!.waitForAll(answers('before', 403));
    // Replication is asynchronous: fail over once the replica has it.
    const replica = group.client(group.replica);
    await waitFor(
      async () => (await replica.hget(SUSPENDED, 'before')) !== null,
    );

    const started = Date.now();
    await group.failover();
    // Both connections of both instances are on the new primary.
    await waitFor(async () => {
      const names = ((await replica.call('client', 'list')) as string)
        .split('\n')
        .map(line => / name=(\S*)/.exec(line)?.[1]);
      return instances.every(
        ({name}) =>
          names.includes(`${name}:commands`) &&
          names.includes(`${name}:events`),
      );
    }, 15000);
    await fleet!.waitForAll(isInSync);
    recordTime('sentinel failover: %d ms', Date.now() - started);

    expect(await instances[1].call('suspend', 'after')).to.containDeep({
      ok: true,
    });
    expect(await instances[0].call('resume', 'before')).to.containDeep({
      ok: true,
    });
    await fleet!.waitForAll(
      async i =>
        (await answers('after', 403)(i)) && (await answers('before', 200)(i)),
    );
    expect(await replica.hkeys(SUSPENDED)).to.deepEqual(['after']);
  });
});
