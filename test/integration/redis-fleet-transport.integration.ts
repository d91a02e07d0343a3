// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {createRedisClient} from '../../src/fleet/redis-connection';
import {RedisEventReader} from '../../src/fleet/redis-event-reader';
import {waitFor} from '../fixtures/async';
import {evict, useRedisTransports} from '../fixtures/redis-transport';
import {startTcpProxy} from '../fixtures/tcp-proxy';

describe('RedisTenantEvents: sync, replay and reconnects against a real Redis (integration, one process)', () => {
  const fleet = useRedisTransports();

  it('starts in sync with the suspended tenants already in Redis', async () => {
    await fleet.raw.hset('{t}:suspended', 'acme', '1');
    const {transport, resyncs} = await fleet.givenTransport();
    expect(transport.status()).to.containDeep({isInSync: true, resyncs: 1});
    expect(resyncs).to.deepEqual([
      {suspendedTenantIds: ['acme'], hasMissedEvictions: false},
    ]);
  });

  it('writes a suspend to the hash and the stream; others get the event, then the hash', async () => {
    const a = await fleet.givenTransport();
    const b = await fleet.givenTransport();
    await a.transport.publish({...evict('acme'), type: 'suspend'});
    await waitFor(() => b.resyncs.length === 2);
    expect(b.events.map(e => e.type)).to.deepEqual(['suspend']);
    expect(b.resyncs[1].suspendedTenantIds).to.deepEqual(['acme']);
    expect(await fleet.raw.hkeys('{t}:suspended')).to.deepEqual(['acme']);
    await a.transport.publish({...evict('acme'), type: 'resume'});
    await waitFor(() => b.resyncs.length === 3);
    expect(b.resyncs[2].suspendedTenantIds).to.deepEqual([]);
    expect(await b.transport.suspendedTenants()).to.deepEqual([]);
  });

  it('starts out of sync while Redis is down, fails publishes at once, and joins when it is up', async () => {
    await fleet.redis.kill();
    const late = await fleet.givenTransport(
      {startTimeout: 50},
      {viaProxy: true},
    );
    expect(late.transport.status()).to.containDeep({isInSync: false});
    expect(late.transport.status().reason).to.match(/Redis/);
    await expect(late.transport.publish(evict('acme'))).to.be.rejected();
    await expect(late.transport.suspendedTenants()).to.be.rejected();
    await fleet.redis.restart();
    fleet.reconnectRaw();
    await fleet.raw.hset('{t}:suspended', 'acme', '1');
    await waitFor(() => late.transport.isConnected(), 15000);
    expect(late.resyncs[0].suspendedTenantIds).to.deepEqual(['acme']);
  });

  it('replays the events published while it was cut off, and counts them', async () => {
    const publisher = await fleet.givenTransport();
    const away = await fleet.givenTransport({}, {viaProxy: true});
    fleet.proxies[0].cut();
    await waitFor(() => !away.transport.isConnected());
    await publisher.transport.publish(evict('acme'));
    await publisher.transport.publish(evict('globex'));
    fleet.proxies[0].restore();
    await waitFor(() => away.events.length === 2, 15000);
    expect(away.events.map(e => e.tenantId)).to.deepEqual(['acme', 'globex']);
    expect(away.transport.status()).to.containDeep({replayed: 2, resyncs: 2});
    expect(away.resyncs[1].hasMissedEvictions).to.be.false();
  });

  it('says evictions may have been missed when the stream was trimmed past what it read', async () => {
    const publisher = await fleet.givenTransport();
    const away = await fleet.givenTransport({}, {viaProxy: true});
    await publisher.transport.publish(evict('acme'));
    await waitFor(() => away.events.length === 1);
    fleet.proxies[0].cut();
    await publisher.transport.publish(evict('globex'));
    await fleet.raw.xtrim('{t}:events', 'MAXLEN', 0);
    fleet.proxies[0].restore();
    await waitFor(() => away.resyncs.length === 2, 15000);
    expect(away.resyncs[1].hasMissedEvictions).to.be.true();
  });

  it('trims the stream to about maxStreamLength', async () => {
    const {transport} = await fleet.givenTransport({maxStreamLength: 10});
    for (let i = 0; i < 300; i++) await transport.publish(evict(`t${i}`));
    expect(await fleet.raw.xlen('{t}:events')).to.be.below(300);
  });

  it('drops a connection that stopped answering (half-open) and resyncs on a new one', async () => {
    const proxy = await startTcpProxy(() => fleet.redis.port);
    fleet.proxies.push(proxy);
    const client = createRedisClient(
      {host: '127.0.0.1', port: proxy.port},
      {
        connectionName: 'stalled:events',
        maxRetryDelay: 100,
        commandTimeout: 300,
      },
    );
    client.on('error', () => {});
    const reader = new RedisEventReader({
      streamKey: '{t}:events',
      suspendedKey: '{t}:suspended',
      signer: undefined,
      blockTime: 100,
      maxRetryDelay: 100,
      maxStreamLength: 100,
      onEvent: () => {},
      onResync: () => {},
    });
    reader.start(client);
    client.connect().catch(() => {});
    try {
      await waitFor(() => reader.status().isInSync);
      proxy.stall();
      await waitFor(() => !reader.status().isInSync, 5000);
      expect(reader.status().reason).to.match(/timed out|not connected/);
      await waitFor(() => reader.status().isInSync, 15000);
      expect(reader.status().resyncs).to.equal(2);
    } finally {
      await reader.stop();
    }
  });

  it('start and stop are idempotent, and after stop no socket or timer of ours remains', async () => {
    await fleet.raw.ping();
    const before = activeHandles();
    const {transport} = await fleet.givenTransport();
    await transport.start();
    expect(activeHandles()).to.be.above(before);
    await transport.stop();
    await transport.stop();
    await waitFor(() => activeHandles() <= before);
    expect(transport.status()).to.containDeep({
      isInSync: false,
      reason: 'stopped',
    });
  });
});

function activeHandles(): number {
  return process
    .getActiveResourcesInfo()
    .filter(kind => kind === 'TCPSocketWrap' || kind === 'Timeout').length;
}
