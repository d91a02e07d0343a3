// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {MessageSigner} from '../../src/fleet/redis-store';
import {useRedisTransports} from '../fixtures/redis-transport';

const SIGNING_KEY = 'k'.repeat(32);
const signer = new MessageSigner(SIGNING_KEY);

describe('RedisTenantEvents: key names with a hash tag, and the legacy names (integration, one process)', () => {
  const fleet = useRedisTransports();

  it('copies signed suspensions kept under the legacy name on a first start, and keeps refusing forged ones', async () => {
    const legacy = {acme: signer.sign('suspended', 'acme'), evil: 'forged'};
    await fleet.raw.hset('t:suspended', legacy);
    const {transport, resyncs} = await fleet.givenTransport({
      signingKey: SIGNING_KEY,
    });
    expect(resyncs[0].suspendedTenantIds).to.deepEqual(['acme']);
    expect(transport.status().rejected).to.equal(1);
    expect(await fleet.raw.hgetall('{t}:suspended')).to.deepEqual(legacy);
    // Left in place: an instance rolled back to an older version reads it.
    expect(await fleet.raw.hgetall('t:suspended')).to.deepEqual(legacy);
  });

  it('copies them once: a tenant resumed after the upgrade stays resumed when instances restart', async () => {
    await fleet.raw.hset('t:suspended', 'acme', '1');
    const first = await fleet.givenTransport();
    expect(await first.transport.suspendedTenants()).to.deepEqual(['acme']);
    await first.transport.publish({
      type: 'resume',
      tenantId: 'acme',
      instanceId: 'test',
    });
    await first.transport.stop();
    expect(await fleet.raw.exists('{t}:suspended')).to.equal(0);
    const second = await fleet.givenTransport();
    expect(second.resyncs[0].suspendedTenantIds).to.deepEqual([]);
  });

  it('leaves the tagged hash alone when it exists, and a legacy key that is no hash', async () => {
    await fleet.raw.hset('{t}:suspended', 'globex', '1');
    await fleet.raw.hset('t:suspended', 'acme', '1');
    const a = await fleet.givenTransport();
    expect(a.resyncs[0].suspendedTenantIds).to.deepEqual(['globex']);
    await fleet.raw.set('u:suspended', 'not a hash');
    const b = await fleet.givenTransport({prefix: 'u:'});
    expect(b.resyncs[0].suspendedTenantIds).to.deepEqual([]);
  });

  it('keeps a prefix that has a hash tag as it is', async () => {
    const {transport} = await fleet.givenTransport({prefix: 'app:{shop}:'});
    await transport.publish({
      type: 'suspend',
      tenantId: 'acme',
      instanceId: 'x',
    });
    expect(await fleet.raw.hkeys('app:{shop}:suspended')).to.deepEqual([
      'acme',
    ]);
    expect(await fleet.raw.xlen('app:{shop}:events')).to.be.above(0);
  });
});
