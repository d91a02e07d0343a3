// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {ModelRegistry, RedisTenantEvents, runInTenant} from '../../src';
import {MessageSigner} from '../../src/fleet/redis-store';
import {SuspendedTenants} from '../../src/fleet/suspended-tenants';
import {TenantEventsObserver} from '../../src/observers/tenant-events.observer';
import {waitFor} from '../fixtures/async';
import {
  builderOf,
  defineAnonymous,
  givenMemoryDataSource,
} from '../fixtures/juggler';
import {evict, useRedisTransports} from '../fixtures/redis-transport';

const KEY = 'a-signing-key-of-at-least-32-bytes!';
const SUSPENDED = 99_000;

// The hostile review's case: a suspended hash of 99,000 entries made every
// suspend or resume stall each instance for 0.25 to 0.5 s (an HGETALL and a
// synchronous diff). Read in HSCAN pages and applied in slices, the instance
// converges as before.
describe('a suspended hash of 99,000 signed entries against a real Redis (integration)', () => {
  const fleet = useRedisTransports();

  it('starts with all of them, and follows a suspend and a resume of a live tenant', async () => {
    const signer = new MessageSigner(KEY);
    for (let from = 0; from < SUSPENDED; from += 1000) {
      const fields: string[] = [];
      for (let i = from; i < from + 1000; i++) {
        fields.push(`s${i}`, signer.sign('suspended', `s${i}`));
      }
      await fleet.raw.hset('{t}:suspended', ...fields);
    }
    const registry = new ModelRegistry();
    const builder = builderOf(givenMemoryDataSource());
    runInTenant('live', () =>
      registry.registerModel(defineAnonymous(builder, {street: String}), {
        street: String,
      }),
    );
    const suspended = new SuspendedTenants();
    const transport = new RedisTenantEvents({
      redis: {host: '127.0.0.1', port: fleet.redis.port},
      prefix: 't:',
      signingKey: KEY,
      startTimeout: 15000,
    });
    const observer = new TenantEventsObserver(registry, suspended, transport);
    try {
      await observer.start();
      await waitFor(() => suspended.size === SUSPENDED, 15000);

      const admin = await fleet.givenTransport({signingKey: KEY});
      await admin.transport.publish({...evict('live'), type: 'suspend'});
      await waitFor(() => suspended.has('live'), 15000);
      await observer.settled();
      expect(suspended.size).to.equal(SUSPENDED + 1);
      expect(registry.hasTenant('live')).to.be.false();

      await admin.transport.publish({...evict('live'), type: 'resume'});
      await waitFor(() => !suspended.has('live'), 15000);
      await observer.settled();
      expect(suspended.size).to.equal(SUSPENDED);
      expect(suspended.has('s0') && suspended.has('s98999')).to.be.true();
      expect(transport.status()).to.containDeep({isInSync: true, rejected: 0});
    } finally {
      await observer.stop();
    }
  }).timeout(60000);
});
