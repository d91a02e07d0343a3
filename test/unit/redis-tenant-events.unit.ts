// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect, sinon} from '@loopback/testlab';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {RedisTenantEvents, type RedisTenantEventsOptions} from '../../src';
import {
  MAX_SUSPENDED_TENANTS,
  MessageSigner,
  readSuspendedTenants,
} from '../../src/fleet/redis-store';
import type {RedisClient} from '../../src/fleet/redis-client';
import {fleetKeys} from '../../src/fleet/redis-keys';

const REDIS = 'redis://127.0.0.1:1';

describe('RedisTenantEvents (unit: no Redis)', () => {
  const bad: [string, Partial<RedisTenantEventsOptions>, RegExp][] = [
    ['redis', {redis: 42 as never}, /`RedisTenantEvents.redis`/],
    ['prefix', {prefix: 'x'.repeat(300)}, /`RedisTenantEvents.prefix`/],
    ['maxStreamLength', {maxStreamLength: 0}, /positive integer, got 0/],
    ['startTimeout', {startTimeout: -1}, /`RedisTenantEvents.startTimeout`/],
    ['maxRetryDelay', {maxRetryDelay: 0}, /`RedisTenantEvents.maxRetryDelay`/],
    [
      'connectionName',
      {connectionName: 'a b'},
      /`RedisTenantEvents.connectionName`/,
    ],
  ];
  for (const [option, options, message] of bad) {
    it(`rejects a bad \`${option}\` up front, naming it`, () => {
      expect(() => new RedisTenantEvents({redis: REDIS, ...options})).to.throw(
        message,
      );
    });
  }

  it('rejects a short signing key without showing it', () => {
    const attempt = () =>
      new RedisTenantEvents({redis: REDIS, signingKey: 'hunter2'});
    expect(attempt).to.throw(
      /`RedisTenantEvents.signingKey`.*at least 32 bytes/,
    );
    expect(attempt).to.not.throw(/hunter2/);
  });

  it('is out of sync and refuses to publish before start()', async () => {
    const events = new RedisTenantEvents({redis: REDIS});
    expect(events.status()).to.deepEqual({
      isInSync: false,
      reason: 'not started',
      resyncs: 0,
      replayed: 0,
      rejected: 0,
      gaps: 0,
    });
    expect(events.isConnected()).to.be.false();
    await expect(
      events.publish({type: 'evict', tenantId: 'acme', instanceId: 'i'}),
    ).to.be.rejectedWith(/Not connected to Redis/);
    await expect(
      events.publish({type: 'evict', tenantId: '../x', instanceId: 'i'}),
    ).to.be.rejectedWith(TypeError);
    await expect(events.suspendedTenants()).to.be.rejected();
    await events.stop();
  });

  it('publishes types that do not need ioredis installed', () => {
    const dir = path.resolve(__dirname, '../../src/fleet');
    const files = readdirSync(dir).filter(f => f.endsWith('.d.ts'));
    expect(files).to.containEql('redis-tenant-events.d.ts');
    for (const file of files) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      expect(text).to.not.match(/from ['"]ioredis['"]|import\(['"]ioredis/);
    }
  });
});

describe('readSuspendedTenants()', () => {
  const signer = new MessageSigner('s'.repeat(32));

  it('reads valid tenant ids over as many HSCAN replies as the hash needs', async () => {
    const entries = ['acme', '1', 'globex', '1', 'initech', '1'];
    for (const perReply of [1, 2, 3]) {
      const client = givenClient(3, entries, perReply);
      expect(await readSuspendedTenants(client, 'k', undefined)).to.deepEqual({
        tenantIds: ['acme', 'globex', 'initech'],
        rejected: 0,
      });
      expect(client.scans).to.equal(Math.ceil(3 / perReply));
    }
  });

  it('drops invalid ids and, with a signer, unsigned entries', async () => {
    const good = signer.sign('suspended', 'good');
    const client = givenClient(
      4,
      ['__proto__', '1', 'good', good, 'forged', '1', 'copied', good],
      3,
    );
    expect(await readSuspendedTenants(client, 'k', signer)).to.deepEqual({
      tenantIds: ['good'],
      rejected: 3,
    });
  });

  it('checks a signature again only when the entry changed since the last read', async () => {
    const own = new MessageSigner('o'.repeat(32));
    const good = own.sign('suspended', 'good');
    const other = own.sign('suspended', 'other');
    const verify = sinon.spy(own, 'verify');
    const entries = ['good', good, 'other', other];
    await readSuspendedTenants(givenClient(2, entries, 1), 'k', own);
    expect(verify.callCount).to.equal(2);
    await readSuspendedTenants(givenClient(2, entries, 1), 'k', own);
    expect(verify.callCount).to.equal(2);
    const changed = ['good', good, 'other', good];
    expect(
      await readSuspendedTenants(givenClient(2, changed, 1), 'k', own),
    ).to.deepEqual({tenantIds: ['good'], rejected: 1});
    expect(verify.callCount).to.equal(3);
  });

  it('refuses a hash too large to hold, before reading it', async () => {
    const client = givenClient(MAX_SUSPENDED_TENANTS + 1, [], 1);
    await expect(
      readSuspendedTenants(client, 'k', undefined),
    ).to.be.rejectedWith(/more than 100000/);
    expect(client.scans).to.equal(0);
  });

  it('refuses a malformed HSCAN reply', async () => {
    const client = {
      call: async (command: string) => (command === 'hlen' ? 1 : {a: '1'}),
    } as unknown as RedisClient;
    await expect(
      readSuspendedTenants(client, 'k', undefined),
    ).to.be.rejectedWith(/unexpected HSCAN reply/);
  });

  /** A Redis answering HLEN and HSCAN, `perReply` entries a reply. */
  function givenClient(size: number, flat: unknown[], perReply: number) {
    const client = {
      scans: 0,
      call: async (command: string, _key: string, cursor: string) => {
        if (command === 'hlen') return size;
        client.scans++;
        const from = Number(cursor) * 2;
        const to = from + perReply * 2;
        return [to >= flat.length ? '0' : String(to / 2), flat.slice(from, to)];
      },
    };
    return client as typeof client & RedisClient;
  }
});

describe('fleetKeys()', () => {
  const cases: [string, string, string | undefined][] = [
    ['tenant-registry:', '{tenant-registry}:', 'tenant-registry:suspended'],
    ['shop', '{shop}', 'shopsuspended'],
    ['app:{shop}:', 'app:{shop}:', undefined],
    // `{}` is no hash tag: it gets one around it.
    ['{}:', '{{}}:', '{}:suspended'],
    ['', '', undefined],
  ];
  for (const [prefix, tagged, legacy] of cases) {
    it(`gives prefix ${JSON.stringify(prefix)} the keys ${tagged}events and ${tagged}suspended`, () => {
      expect(fleetKeys(prefix)).to.deepEqual({
        streamKey: `${tagged}events`,
        suspendedKey: `${tagged}suspended`,
        legacySuspendedKey: legacy,
      });
    });
  }

  it('refuses, naming the option, a cluster with a prefix whose keys share no hash tag or no nodes', () => {
    const cluster = {cluster: [{host: '127.0.0.1', port: 1}]};
    expect(() => new RedisTenantEvents({redis: cluster, prefix: ''})).to.throw(
      /`RedisTenantEvents.prefix`: expected on a Redis Cluster/,
    );
    expect(() => new RedisTenantEvents({redis: {cluster: []}})).to.throw(
      /`RedisTenantEvents.redis.cluster`: expected a list of nodes/,
    );
    expect(() => new RedisTenantEvents({redis: cluster})).to.not.throw();
  });
});
