// Copyright loopback4-tenant-registry contributors. MIT License.

import {isValidTenantId} from '../context/tenant-id';
import type {MessageSigner} from './message-signer';
import type {RedisClient} from './redis-client';

/** The most suspended tenants read: bounds memory if the hash is flooded. */
export const MAX_SUSPENDED_TENANTS = 100_000;

/** Per `HSCAN` reply: parsed and checked (an HMAC each) in about 1 ms. */
const SCAN_COUNT = 500;

/**
 * The entries whose signature the last read checked, per signer: every
 * suspend or resume makes each instance read the whole hash again, and an
 * unchanged entry needs no new HMAC.
 */
const checkedEntries = new WeakMap<MessageSigner, Map<string, string>>();

/** A tenant's value in the suspended hash: its signature or `1`. @internal */
export function suspendedTenantValue(
  tenantId: string,
  signer: MessageSigner | undefined,
): string {
  return signer === undefined ? '1' : signer.sign('suspended', tenantId);
}

/**
 * The fleet's suspended tenants (the hash's fields) that are valid ids and,
 * with a signer, correctly signed; and how many entries were dropped.
 *
 * @remarks
 * `HSCAN`, not one `HGETALL`: the event loop runs between replies, so
 * 100,000 entries never make one long task. An entry changed during the
 * scan may be missed or seen twice; the `suspend` or `resume` entry written
 * with the change makes every instance read the hash again.
 *
 * @throws Error when Redis fails or the hash holds more than
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
    throw tooLarge(size);
  }
  const tenantIds: string[] = [];
  let rejected = 0;
  const known = signer && checkedEntries.get(signer);
  const checked = new Map<string, string>();
  let cursor = '0';
  do {
    const reply = await client.call('hscan', key, cursor, 'COUNT', SCAN_COUNT);
    const [next, entries] = Array.isArray(reply) ? reply : [];
    if (typeof next !== 'string' || !Array.isArray(entries)) {
      throw new Error('unexpected HSCAN reply');
    }
    for (let i = 0; i + 1 < entries.length; i += 2) {
      const [tenantId, value] = [entries[i], entries[i + 1]];
      const isTrusted =
        isValidTenantId(tenantId) &&
        (signer === undefined ||
          // The value checked before (no secret: anyone who reads sees it).
          known?.get(tenantId) === value ||
          signer.verify('suspended', tenantId, value));
      if (!isTrusted) {
        rejected++;
        continue;
      }
      tenantIds.push(tenantId);
      if (signer !== undefined) checked.set(tenantId, value);
    }
    // The hash may grow while it is scanned.
    if (tenantIds.length > MAX_SUSPENDED_TENANTS) throw tooLarge('over');
    cursor = next;
  } while (cursor !== '0');
  if (signer !== undefined) checkedEntries.set(signer, checked);
  return {tenantIds, rejected};
}

function tooLarge(size: unknown): Error {
  return new Error(
    `the suspended tenants hash holds ${String(size)} entries, more than ${MAX_SUSPENDED_TENANTS}`,
  );
}
