// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import type {StreamGapReason} from '../../src/fleet/stream-gap';
import {waitFor} from '../fixtures/async';
import {
  evict,
  useRedisTransports,
  type RecordedTransport,
} from '../fixtures/redis-transport';

const STREAM = '{t}:events';

// Every way the stream can lose what an instance did not read, each against
// a real redis-server: the instance must call it a gap (and so evict every
// tenant it holds), never carry on as if it had missed nothing.
describe('RedisTenantEvents: gaps in the stream (integration, one process)', () => {
  const fleet = useRedisTransports();

  it('the stream was deleted and written again while it was away: fewer entries added than it had read', async () => {
    const {publisher, away} = await givenAwayAfterReading(3);
    await fleet.raw.del(STREAM);
    await publisher.transport.publish(evict('tB'));
    await restore(away);
    expectGap(away, 'recreated');
  });

  it('the stream was replaced while it was away by one with more entries than it had read, all with newer ids', async () => {
    const {publisher, away} = await givenAwayAfterReading(1);
    await fleet.raw.del(STREAM);
    for (const tenantId of ['tB', 'tC', 'tD']) {
      await publisher.transport.publish(evict(tenantId));
    }
    await restore(away);
    expectGap(away, 'replaced');
  });

  it('the stream no longer holds the last entry it read, though it holds older and newer ones', async () => {
    const {publisher, away} = await givenAwayAfterReading(1);
    // In one MULTI: no reader writes an anchor in between.
    await fleet.raw
      .multi()
      .del(STREAM)
      .xadd(STREAM, '1-1', 'event', JSON.stringify(evict('tX')))
      .exec();
    await publisher.transport.publish(evict('tB'));
    await restore(away);
    expectGap(away, 'unknown-last-id');
  });

  // When Redis comes back empty, the publisher (connected) finds the stream
  // missing and adds an anchor entry: the stream exists again, as a new one.
  it('Redis came back empty while it was away, and the fleet published again', async () => {
    const {publisher, away} = await givenAwayAfterReading(1);
    await publisher.transport.publish(evict('tA'));
    await restartRedisEmpty(publisher);
    await publisher.transport.publish(evict('tB'));
    await restore(away);
    expectGap(away, 'replaced');
    expect(publisher.transport.status().lastGap?.reason).to.equal('missing');
  });

  it('Redis came back empty while it was away, and another instance came back before it', async () => {
    const {publisher, away} = await givenAwayAfterReading(1);
    await publisher.transport.publish(evict('tA'));
    await restartRedisEmpty(publisher);
    await restore(away);
    expectGap(away, 'recreated');
  });

  it('Redis came back empty while it was away, and no other instance was there', async () => {
    const {publisher, away} = await givenAwayAfterReading(1);
    await publisher.transport.publish(evict('tA'));
    await publisher.transport.stop();
    await fleet.redis.kill();
    await fleet.redis.restart({empty: true});
    await restore(away);
    expectGap(away, 'missing');
  });

  it('it joined before the stream existed, and the stream was created and lost while it was away', async () => {
    const {publisher, away} = await givenAwayAfterReading(0);
    await publisher.transport.publish(evict('tA'));
    await restartRedisEmpty(publisher);
    await restore(away);
    expectGap(away, 'replaced');
  });

  it('it joined before the stream existed; the stream was created, lost and created again while it was away', async () => {
    const {publisher, away} = await givenAwayAfterReading(0);
    await publisher.transport.publish(evict('tA'));
    await restartRedisEmpty(publisher);
    await publisher.transport.publish(evict('tB'));
    await restore(away);
    expectGap(away, 'replaced');
  });

  it('an entry newer than the last one it read was deleted (XDEL) while it was away', async () => {
    const {publisher, away} = await givenAwayAfterReading(1);
    await publisher.transport.publish(evict('tA'));
    await publisher.transport.publish(evict('tB'));
    const [[id]] = await fleet.raw.xrevrange(STREAM, '+', '-', 'COUNT', 2);
    await fleet.raw.xdel(STREAM, id);
    await restore(away);
    expectGap(away, 'deleted');
  });

  it('the stream was trimmed (MAXLEN ~) past the last entry it read while it was away', async () => {
    const {away} = await givenAwayAfterReading(1);
    const {transport} = await fleet.givenTransport({maxStreamLength: 10});
    for (let i = 0; i < 300; i++) await transport.publish(evict(`t${i}`));
    await restore(away);
    expectGap(away, 'trimmed');
  });

  it('the stream was deleted while it followed, and the fleet published again', async () => {
    const publisher = await fleet.givenTransport();
    const follower = await fleet.givenTransport();
    await publisher.transport.publish(evict('tA'));
    await waitFor(() => follower.events.length === 1);
    await fleet.raw
      .multi()
      .del(STREAM)
      .xadd(STREAM, '*', 'event', JSON.stringify(evict('tB')))
      .exec();
    // Either it read tB as if nothing had happened, or it found the gap.
    await waitFor(
      () => follower.events.length === 2 || follower.resyncs.length === 2,
    );
    expect(follower.resyncs.map(r => r.hasMissedEvictions)).to.deepEqual([
      false,
      true,
    ]);
    expect(follower.transport.status().lastGap?.reason).to.equal('recreated');
  });

  it('is no gap when it comes back to the same stream with every entry it missed', async () => {
    const {publisher, away} = await givenAwayAfterReading(1);
    await publisher.transport.publish(evict('tA'));
    await fleet.redis.kill();
    await fleet.redis.restart();
    fleet.reconnectRaw();
    await waitFor(() => publisher.transport.isConnected(), 15000);
    await publisher.transport.publish(evict('tB'));
    await restore(away);
    await waitFor(() => away.events.length === 3, 15000);
    expect(away.resyncs.map(r => r.hasMissedEvictions)).to.deepEqual([
      false,
      false,
    ]);
    expect(away.events.map(e => e.tenantId)).to.deepEqual(['t0', 'tA', 'tB']);
    expect(away.transport.status()).to.containDeep({gaps: 0, replayed: 2});
  });

  /**
   * An instance behind a proxy that joined first (on no stream), read
   * `count` events (`t0`, `t1`, ...) and was then cut off; and a publisher.
   */
  async function givenAwayAfterReading(count: number) {
    const away = await fleet.givenTransport({}, {viaProxy: true});
    const publisher = await fleet.givenTransport();
    for (let i = 0; i < count; i++) {
      await publisher.transport.publish(evict(`t${i}`));
    }
    await waitFor(() => away.events.length === count);
    fleet.proxies[0].cut();
    await waitFor(() => !away.transport.isConnected());
    return {publisher, away};
  }

  /** SIGKILL Redis and start it without its data; wait for `publisher`. */
  async function restartRedisEmpty(publisher: RecordedTransport) {
    await fleet.redis.kill();
    await fleet.redis.restart({empty: true});
    fleet.reconnectRaw();
    await waitFor(() => publisher.transport.isConnected(), 15000);
  }

  /** Reconnect the instance that was cut off; wait for its resync. */
  async function restore(away: RecordedTransport) {
    fleet.proxies[0].restore();
    await waitFor(
      () => away.resyncs.length === 2 && away.transport.isConnected(),
      15000,
    );
  }

  function expectGap(away: RecordedTransport, reason: StreamGapReason) {
    expect(away.resyncs[1].hasMissedEvictions).to.be.true();
    expect(away.transport.status()).to.containDeep({
      isInSync: true,
      gaps: 1,
      lastGap: {reason},
    });
  }
});
