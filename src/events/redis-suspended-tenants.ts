// Copyright loopback4-tenant-registry contributors. MIT License.

import {isValidTenantId} from '../context/tenant-id';
import type {MessageSigner} from './message-signer';
import type {RedisClient} from './redis-client';

/**
 * The most suspended tenants an instance reads: a guard against a hash
 * filled by mistake or malice, which would otherwise all be held in memory.
 */
export const MAX_SUSPENDED_TENANTS = 100_000;

/**
 * The value stored for a suspended tenant in the `<prefix>suspended` hash:
 * its signature with a signer, else `1`.
 *
 * @internal
 */
export function suspendedTenantValue(
  tenantId: string,
  signer: MessageSigner | undefined,
): string {
  return signer === undefined ? '1' : signer.sign('suspended', tenantId);
}

/**
 * Read the fleet's suspended tenants (the hash's fields), keeping only valid
 * tenant ids and, with a signer, correctly signed entries.
 *
 * @returns The tenant ids, and how many entries were dropped.
 * @throws Error when Redis fails or the hash is larger than
 * {@link MAX_SUSPENDED_TENANTS}.
 * @internal
 */
export async function readSuspendedTenants(
  client: RedisClient,
  key: string,
  signer: MessageSigner | undefined,
): Promise<{tenantIds: string[]; rejected: number}> {
  const size = await client.call('hlen', key);
  if (typeof size !== 'number' || size > MAX_SUSPENDED_TENANTS) {
    throw new Error(
      `the suspended tenants hash holds ${String(size)} entries, more than ${MAX_SUSPENDED_TENANTS}`,
    );
  }
  const tenantIds: string[] = [];
  let rejected = 0;
  for (const [tenantId, value] of entriesOf(
    await client.call('hgetall', key),
  )) {
    const isTrusted =
      isValidTenantId(tenantId) &&
      (signer === undefined || signer.verify('suspended', tenantId, value));
    if (isTrusted) tenantIds.push(tenantId);
    else rejected++;
  }
  return {tenantIds, rejected};
}

// ioredis turns an HGETALL reply into an object (field names such as
// `__proto__` included, as own properties); a raw reply is a flat list.
function entriesOf(reply: unknown): [unknown, unknown][] {
  if (Array.isArray(reply)) {
    const pairs: [unknown, unknown][] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      pairs.push([reply[i], reply[i + 1]]);
    }
    return pairs;
  }
  if (reply !== null && typeof reply === 'object') return Object.entries(reply);
  throw new Error('unexpected HGETALL reply');
}
