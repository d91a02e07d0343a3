// Copyright loopback4-tenant-registry contributors. MIT License.

import IORedis from 'ioredis';
import {MessageSigner} from '../../src/fleet/redis-store';
import {
  hasRedisServer,
  startRedisServer,
  type RedisServer,
} from '../../test/fixtures/redis-server';

/** A throwaway redis-server (as the tests start one), if installed here. */
export async function startBenchRedis(): Promise<RedisServer | undefined> {
  return hasRedisServer ? startRedisServer() : undefined;
}

/** Fill `<prefix>suspended` with `count` signed entries (`s0`, `s1`, ...). */
export async function fillSuspendedHash(
  port: number,
  prefix: string,
  count: number,
  signingKey: string,
): Promise<void> {
  const signer = new MessageSigner(signingKey);
  const client = new IORedis(port, '127.0.0.1');
  try {
    for (let from = 0; from < count; from += 1000) {
      const fields: string[] = [];
      for (let i = from; i < Math.min(count, from + 1000); i++) {
        fields.push(`s${i}`, signer.sign('suspended', `s${i}`));
      }
      await client.hset(`${prefix}suspended`, ...fields);
    }
  } finally {
    client.disconnect();
  }
}
