// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {answers, loadEverywhere} from '../fixtures/fleet-checks';
import {
  givenRedisFleet,
  recordTime,
  type RedisFleet,
} from '../fixtures/redis-fleet';
import {hasRedisServer} from '../fixtures/redis-server';

const SIGNING_KEY = 'fleet-test-signing-key-0123456789abcdef';

describe('a fleet over Redis with signingKey (integration; skipped where redis-server cannot be installed)', function () {
  // eslint-disable-next-line @typescript-eslint/no-invalid-this
  this.timeout(90000);
  let fleet: RedisFleet | undefined;

  before(function () {
    // eslint-disable-next-line @typescript-eslint/no-invalid-this
    if (!hasRedisServer) this.skip();
  });

  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('drops and counts forged messages and hash entries on every instance, and obeys signed ones', async () => {
    fleet = await givenRedisFleet(3, {signingKey: SIGNING_KEY});
    const [first] = fleet.instances;
    await loadEverywhere(fleet, 'acme');
    const raw = await fleet.redisClient();
    const event = (type: string, tenantId: string) =>
      JSON.stringify({type, tenantId, instanceId: 'forger'});
    await raw.xadd('{fleet-test}:events', '*', 'event', event('evict', 'acme'));
    await raw.xadd(
      '{fleet-test}:events',
      '*',
      ...['event', event('suspend', 'acme'), 'sig', 'A'.repeat(43)],
    );
    await raw.hset('{fleet-test}:suspended', 'acme', 'forged');

    // A signed suspend after the forgeries: each instance reads the forged
    // events before it, then the hash (with the forged entry) after it.
    const started = Date.now();
    expect(await first.call('suspend', 'globex')).to.containDeep({ok: true});
    await fleet.waitForAll(answers('globex', 403));
    recordTime('signed suspend: %d ms', Date.now() - started);
    await fleet.waitForAll(
      async i => (await i.call('status')).status.rejected >= 3,
    );
    for (const instance of fleet.instances) {
      expect(await instance.probe('acme')).to.equal(200);
      expect((await instance.call('tenants')).tenants).to.containEql('acme');
      expect((await instance.call('suspended')).suspended).to.deepEqual([
        'globex',
      ]);
    }
  });
});
