// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {RedisTenantEvents, type RedisTenantEventsOptions} from '../../src';
import {MessageSigner} from '../../src/events/message-signer';
import type {RedisClient} from '../../src/events/redis-client';
import {
  MAX_SUSPENDED_TENANTS,
  readSuspendedTenants,
  suspendedTenantValue,
} from '../../src/events/redis-suspended-tenants';

const REDIS = 'redis://127.0.0.1:1';

describe('RedisTenantEvents (unit: no Redis)', () => {
  const bad: [string, Partial<RedisTenantEventsOptions>, RegExp][] = [
    ['redis', {redis: 42 as never}, /`RedisTenantEvents.redis`/],
    ['prefix', {prefix: 'x'.repeat(300)}, /`RedisTenantEvents.prefix`/],
    ['maxStreamLength', {maxStreamLength: 0}, /positive integer, got 0/],
    ['startTimeout', {startTimeout: -1}, /`RedisTenantEvents.startTimeout`/],
    [
      'maxRetryDelay',
      {maxRetryDelay: 1.5},
      /`RedisTenantEvents.maxRetryDelay`/,
    ],
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
    const dir = path.resolve(__dirname, '../../src/events');
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

  it('reads valid tenant ids from an object or a flat reply', async () => {
    for (const reply of [
      {acme: '1', globex: '1'},
      ['acme', '1', 'globex', '1'],
    ]) {
      expect(
        await readSuspendedTenants(givenClient(2, reply), 'k', undefined),
      ).to.deepEqual({tenantIds: ['acme', 'globex'], rejected: 0});
    }
  });

  it('drops invalid ids and, with a signer, unsigned entries', async () => {
    const good = suspendedTenantValue('good', signer);
    // As ioredis hands it over: `__proto__` an own property.
    const client = givenClient(
      4,
      JSON.parse(
        JSON.stringify({good, forged: '1', copied: good}).replace(
          '{',
          '{"__proto__":"1",',
        ),
      ),
    );
    expect(await readSuspendedTenants(client, 'k', signer)).to.deepEqual({
      tenantIds: ['good'],
      rejected: 3,
    });
  });

  it('refuses a hash too large to hold, before reading it', async () => {
    const client = givenClient(MAX_SUSPENDED_TENANTS + 1, {});
    await expect(
      readSuspendedTenants(client, 'k', undefined),
    ).to.be.rejectedWith(/more than 100000/);
  });

  function givenClient(size: number, entries: unknown): RedisClient {
    return {
      call: async (command: string) => (command === 'hlen' ? size : entries),
    } as unknown as RedisClient;
  }
});
