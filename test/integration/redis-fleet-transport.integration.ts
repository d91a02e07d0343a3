// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import IORedis, {type Redis} from 'ioredis';
import {
  RedisTenantEvents,
  type RedisTenantEventsOptions,
  type TenantEvent,
} from '../../src';
import type {TenantEventsResync} from '../../src/events/tenant-event';
import {createRedisClient} from '../../src/events/redis-client';
import {RedisEventReader} from '../../src/events/redis-event-reader';
import {waitFor} from '../fixtures/async';
import {killConnections} from '../fixtures/redis-fleet';
import {
  hasRedisServer,
  startRedisServer,
  type RedisServer,
} from '../fixtures/redis-server';
import {startTcpProxy, type TcpProxy} from '../fixtures/tcp-proxy';

const KEY = 'a-signing-key-of-at-least-32-bytes!';
const evict = (tenantId: string): TenantEvent => ({
  type: 'evict',
  tenantId,
  instanceId: 'test',
});

describe('RedisTenantEvents against a real Redis (integration, one process)', () => {
  let redis: RedisServer;
  let raw: Redis;
  let proxies: TcpProxy[] = [];
  let transports: RedisTenantEvents[] = [];

  before(function () {
    // eslint-disable-next-line @typescript-eslint/no-invalid-this
    if (!hasRedisServer) this.skip();
  });

  beforeEach(async () => {
    redis = await startRedisServer();
    raw = givenRawClient();
  });

  afterEach(async () => {
    await Promise.all(transports.map(t => t.stop()));
    await Promise.all(proxies.map(p => p.close()));
    transports = [];
    proxies = [];
    raw?.disconnect();
    await redis?.stop();
  });

  it('starts in sync with the suspended tenants already in Redis', async () => {
    await raw.hset('t:suspended', 'acme', '1');
    const {transport, resyncs} = await givenTransport();
    expect(transport.status()).to.containDeep({isInSync: true, resyncs: 1});
    expect(resyncs).to.deepEqual([
      {suspendedTenantIds: ['acme'], hasMissedEvictions: false},
    ]);
  });

  it('writes a suspend to the hash and the stream; others get the event, then the hash', async () => {
    const a = await givenTransport();
    const b = await givenTransport();
    await a.transport.publish({...evict('acme'), type: 'suspend'});
    await waitFor(() => b.resyncs.length === 2);
    expect(b.events.map(e => e.type)).to.deepEqual(['suspend']);
    expect(b.resyncs[1].suspendedTenantIds).to.deepEqual(['acme']);
    expect(await raw.hkeys('t:suspended')).to.deepEqual(['acme']);
    await a.transport.publish({...evict('acme'), type: 'resume'});
    await waitFor(() => b.resyncs.length === 3);
    expect(b.resyncs[2].suspendedTenantIds).to.deepEqual([]);
    expect(await b.transport.suspendedTenants()).to.deepEqual([]);
  });

  it('starts out of sync while Redis is down, fails publishes at once, and joins when it is up', async () => {
    await redis.kill();
    const late = await givenTransport({startTimeout: 50}, {viaProxy: true});
    expect(late.transport.status()).to.containDeep({isInSync: false});
    expect(late.transport.status().reason).to.match(/Redis/);
    await expect(late.transport.publish(evict('acme'))).to.be.rejected();
    await expect(late.transport.suspendedTenants()).to.be.rejected();
    await redis.restart();
    raw.disconnect();
    raw = givenRawClient();
    await raw.hset('t:suspended', 'acme', '1');
    await waitFor(() => late.transport.isConnected(), 15000);
    expect(late.resyncs[0].suspendedTenantIds).to.deepEqual(['acme']);
  });

  it('replays the events published while it was cut off, and counts them', async () => {
    const publisher = await givenTransport();
    const away = await givenTransport({}, {viaProxy: true});
    proxies[0].cut();
    await waitFor(() => !away.transport.isConnected());
    await publisher.transport.publish(evict('acme'));
    await publisher.transport.publish(evict('globex'));
    proxies[0].restore();
    await waitFor(() => away.events.length === 2, 15000);
    expect(away.events.map(e => e.tenantId)).to.deepEqual(['acme', 'globex']);
    expect(away.transport.status()).to.containDeep({replayed: 2, resyncs: 2});
    expect(away.resyncs[1].hasMissedEvictions).to.be.false();
  });

  it('says evictions may have been missed when the stream was trimmed past what it read', async () => {
    const publisher = await givenTransport();
    const away = await givenTransport({}, {viaProxy: true});
    await publisher.transport.publish(evict('acme'));
    await waitFor(() => away.events.length === 1);
    proxies[0].cut();
    await publisher.transport.publish(evict('globex'));
    await raw.xtrim('t:events', 'MAXLEN', 0);
    proxies[0].restore();
    await waitFor(() => away.resyncs.length === 2, 15000);
    expect(away.resyncs[1].hasMissedEvictions).to.be.true();
  });

  it('trims the stream to about maxStreamLength', async () => {
    const {transport} = await givenTransport({maxStreamLength: 10});
    for (let i = 0; i < 300; i++) await transport.publish(evict(`t${i}`));
    expect(await raw.xlen('t:events')).to.be.below(300);
  });

  it('is out of sync, with the reason, while the stream key holds another type, and recovers', async () => {
    const {transport} = await givenTransport({connectionName: 'victim'});
    await raw.set('t:events', 'not a stream');
    await killConnections(raw, 'victim:events');
    await waitFor(() => /WRONGTYPE/.test(transport.status().reason ?? ''));
    await expect(transport.publish(evict('acme'))).to.be.rejected();
    await raw.del('t:events');
    await waitFor(() => transport.isConnected(), 15000);
  });

  it('drops and counts malformed entries and never throws', async () => {
    const {transport, events} = await givenTransport();
    const good = JSON.stringify(evict('acme'));
    await raw.xadd('t:events', '*', 'no-event', 'x');
    await raw.xadd('t:events', '*', 'event', '{not json');
    await raw.xadd('t:events', '*', 'event', 'x'.repeat(100_000));
    await raw.xadd('t:events', '*', 'event', good.replace('acme', '__proto__'));
    await raw.xadd('t:events', '*', 'event', good.replace('evict', 'drop'));
    await raw.xadd('t:events', '*', ...Array(20).fill('event'));
    await raw.hset('t:suspended', '__proto__', '1', 'ok', '1');
    await raw.xadd('t:events', '*', 'event', good);
    await waitFor(() => events.length === 1);
    expect(transport.status().rejected).to.equal(6);
    expect(events[0].tenantId).to.equal('acme');
    expect(transport.isConnected()).to.be.true();
  });

  it('with signingKey, drops unsigned and badly signed events and hash entries', async () => {
    const a = await givenTransport({signingKey: KEY});
    const b = await givenTransport({signingKey: Buffer.from(KEY)});
    const forged = JSON.stringify(evict('acme'));
    await raw.xadd('t:events', '*', 'event', forged);
    await raw.xadd('t:events', '*', 'event', forged, 'sig', 'x'.repeat(43));
    await raw.hset('t:suspended', 'evil', '1');
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
    const a = await givenTransport();
    const b = await givenTransport();
    b.transport.subscribe(() => {
      throw new Error('listener bug');
    });
    await a.transport.publish(evict('acme'));
    await a.transport.publish(evict('globex'));
    await waitFor(() => b.events.length === 2);
    expect(b.transport.isConnected()).to.be.true();
  });

  it('drops a connection that stopped answering (half-open) and resyncs on a new one', async () => {
    const proxy = await startTcpProxy(() => redis.port);
    proxies.push(proxy);
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
      streamKey: 't:events',
      suspendedKey: 't:suspended',
      signer: undefined,
      blockTime: 100,
      maxRetryDelay: 100,
      onEvent: () => {},
      onResync: () => {},
    });
    reader.start(client);
    client.connect().catch(() => {});
    try {
      await waitFor(() => reader.status().isInSync);
      proxy.stall();
      await waitFor(() => !reader.status().isInSync, 5000);
      expect(reader.status().reason).to.match(/timed out|connection/);
      await waitFor(() => reader.status().isInSync, 15000);
      expect(reader.status().resyncs).to.equal(2);
    } finally {
      await reader.stop();
    }
  });

  it('start and stop are idempotent, and after stop no socket or timer of ours remains', async () => {
    await raw.ping();
    const before = activeHandles();
    const {transport} = await givenTransport();
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

  function givenRawClient(): Redis {
    const client = new IORedis(redis.port, '127.0.0.1');
    client.on('error', () => {});
    return client;
  }

  async function givenTransport(
    options: Partial<RedisTenantEventsOptions> = {},
    {viaProxy = false} = {},
  ) {
    let port = redis.port;
    if (viaProxy) {
      const proxy = await startTcpProxy(() => redis.port);
      proxies.push(proxy);
      port = proxy.port;
    }
    const transport = new RedisTenantEvents({
      redis: {host: '127.0.0.1', port},
      prefix: 't:',
      ...options,
    });
    transports.push(transport);
    const events: TenantEvent[] = [];
    const resyncs: TenantEventsResync[] = [];
    transport.subscribe(event => events.push(event));
    transport.subscribeResync(resync => resyncs.push(resync));
    await transport.start();
    return {transport, events, resyncs};
  }
});

function activeHandles(): number {
  return process
    .getActiveResourcesInfo()
    .filter(kind => kind === 'TCPSocketWrap' || kind === 'Timeout').length;
}
