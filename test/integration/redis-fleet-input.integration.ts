// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {waitFor} from '../fixtures/async';
import {killConnections} from '../fixtures/fleet-checks';
import {evict, useRedisTransports} from '../fixtures/redis-transport';

const KEY = 'a-signing-key-of-at-least-32-bytes!';

// Everything read from Redis is attacker input: anyone with access to it can
// write entries, hash fields, or keys of the wrong type.
describe('RedisTenantEvents: hostile or broken input from Redis (integration, one process)', () => {
  const fleet = useRedisTransports();

  it('is out of sync, with the reason, while the stream key holds another type, and recovers', async () => {
    const {transport} = await fleet.givenTransport({connectionName: 'victim'});
    await fleet.raw.set('{t}:events', 'not a stream');
    await killConnections(fleet.raw, 'victim:events');
    await waitFor(() => /WRONGTYPE/.test(transport.status().reason ?? ''));
    await expect(transport.publish(evict('acme'))).to.be.rejected();
    await fleet.raw.del('{t}:events');
    await waitFor(() => transport.isConnected(), 15000);
  });

  it('drops and counts malformed entries and never throws', async () => {
    const {transport, events} = await fleet.givenTransport();
    const good = JSON.stringify(evict('acme'));
    await fleet.raw.xadd('{t}:events', '*', 'no-event', 'x');
    await fleet.raw.xadd('{t}:events', '*', 'event', '{not json');
    await fleet.raw.xadd('{t}:events', '*', 'event', 'x'.repeat(100_000));
    await fleet.raw.xadd(
      '{t}:events',
      '*',
      'event',
      good.replace('acme', '__proto__'),
    );
    await fleet.raw.xadd(
      '{t}:events',
      '*',
      'event',
      good.replace('evict', 'drop'),
    );
    await fleet.raw.xadd('{t}:events', '*', ...Array(20).fill('event'));
    await fleet.raw.hset('{t}:suspended', '__proto__', '1', 'ok', '1');
    await fleet.raw.xadd('{t}:events', '*', 'event', good);
    await waitFor(() => events.length === 1);
    expect(transport.status().rejected).to.equal(6);
    expect(events[0].tenantId).to.equal('acme');
    expect(transport.isConnected()).to.be.true();
  });

  it('with signingKey, drops unsigned and badly signed events and hash entries', async () => {
    const a = await fleet.givenTransport({signingKey: KEY});
    const b = await fleet.givenTransport({signingKey: Buffer.from(KEY)});
    const forged = JSON.stringify(evict('acme'));
    await fleet.raw.xadd('{t}:events', '*', 'event', forged);
    await fleet.raw.xadd(
      '{t}:events',
      '*',
      'event',
      forged,
      'sig',
      'x'.repeat(43),
    );
    await fleet.raw.hset('{t}:suspended', 'evil', '1');
    await a.transport.publish({...evict('good'), type: 'suspend'});
    await waitFor(() => b.resyncs.length === 2);
    expect(b.resyncs[1].suspendedTenantIds).to.deepEqual(['good']);
    expect(b.events.map(e => `${e.type}:${e.tenantId}`)).to.deepEqual([
      'suspend:good',
    ]);
    // Two forged events, and the forged hash entry (read once, after the suspend).
    expect(b.transport.status().rejected).to.equal(3);
  });

  it('keeps reading when a listener throws', async () => {
    const a = await fleet.givenTransport();
    const b = await fleet.givenTransport();
    b.transport.subscribe(() => {
      throw new Error('listener bug');
    });
    await a.transport.publish(evict('acme'));
    await a.transport.publish(evict('globex'));
    await waitFor(() => b.events.length === 2);
    expect(b.transport.isConnected()).to.be.true();
  });
});
