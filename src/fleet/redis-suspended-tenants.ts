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
 * Entries asked for per `HSCAN`: a reply of this size is parsed, and its
 * entries checked (an HMAC each with a signer), in about a millisecond.
 */
const SCAN_COUNT = 500;

/**
 * The entries whose signature the last read checked, per signer: every
 * suspend or resume makes each instance read the whole hash again, and an
 * unchanged entry needs no new HMAC (4 us each: 0.4 s of CPU for 99,000).
 */
const checkedEntries = new WeakMap<MessageSigner, Map<string, string>>();

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
 * @remarks
 * Read with `HSCAN`, a few hundred entries a reply, not one `HGETALL`: the
 * event loop runs between replies, so a hash of 100,000 entries never makes
 * one long task of parsing and checking. An entry changed during the scan
 * may be missed or seen twice; the `suspend` or `resume` entry that the
 * change wrote to the stream makes every instance read the hash again.
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
    throw tooLarge(size);
  }
  const tenantIds: string[] = [];
  let rejected = 0;
  const known = signer && checkedEntries.get(signer);
  const checked = new Map<string, string>();
  const isTrusted = (tenantId: unknown, value: unknown) =>
    isValidTenantId(tenantId) &&
    (signer === undefined ||
      // The very value checked before (no secret in comparing it: anyone
      // who can read the hash sees it).
      known?.get(tenantId) === value ||
      signer.verify('suspended', tenantId, value));
  let cursor = '0';
  do {
    const reply = await client.call('hscan', key, cursor, 'COUNT', SCAN_COUNT);
    const [next, entries] = parseScanReply(reply);
    for (let i = 0; i + 1 < entries.length; i += 2) {
      const [tenantId, value] = [entries[i], entries[i + 1]];
      if (!isTrusted(tenantId, value)) {
        rejected++;
        continue;
      }
      tenantIds.push(tenantId as string);
      if (signer !== undefined)
        checked.set(tenantId as string, value as string);
    }
    // The hash may grow while it is scanned.
    if (tenantIds.length > MAX_SUSPENDED_TENANTS) throw tooLarge('over');
    cursor = next;
  } while (cursor !== '0');
  if (signer !== undefined) checkedEntries.set(signer, checked);
  return {tenantIds, rejected};
}

function parseScanReply(reply: unknown): [string, unknown[]] {
  if (Array.isArray(reply) && reply.length === 2) {
    const [cursor, entries] = reply as unknown[];
    if (typeof cursor === 'string' && Array.isArray(entries)) {
      return [cursor, entries];
    }
  }
  throw new Error('unexpected HSCAN reply');
}

function tooLarge(size: unknown): Error {
  return new Error(
    `the suspended tenants hash holds ${String(size)} entries, more than ${MAX_SUSPENDED_TENANTS}`,
  );
}
