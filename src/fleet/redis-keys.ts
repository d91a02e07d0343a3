// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import type {RedisClient} from './redis-client';

const debug = debugFactory('loopback:tenant-registry:fleet');

/** The Redis keys of a fleet. @internal */
export interface FleetKeys {
  /** The stream of events: `<tagged prefix>events`. */
  streamKey: string;
  /** The hash of suspended tenants: `<tagged prefix>suspended`. */
  suspendedKey: string;
  /** The hash's name in earlier versions (no hash tag), if it differs. */
  legacySuspendedKey: string | undefined;
}

// Redis Cluster hashes only the part between the first `{` and the next `}`
// when it is not empty (the *hash tag*): keys that share one share a slot,
// which a MULTI over both keys needs (else CROSSSLOT).
export function hasHashTag(key: string): boolean {
  const open = key.indexOf('{');
  return open >= 0 && key.indexOf('}', open + 1) > open + 1;
}

/**
 * The keys for `prefix`: a prefix with a hash tag is kept, another one is
 * wrapped in one, without its last `:` (`tenant-registry:` gives
 * `{tenant-registry}:events` and `{tenant-registry}:suspended`).
 */
export function fleetKeys(prefix: string): FleetKeys {
  const body = prefix.endsWith(':') ? prefix.slice(0, -1) : prefix;
  const tagged =
    hasHashTag(prefix) || body === ''
      ? prefix
      : `{${body}}${prefix.slice(body.length)}`;
  const suspendedKey = `${tagged}suspended`;
  const legacy = `${prefix}suspended`;
  return {
    streamKey: `${tagged}events`,
    suspendedKey,
    legacySuspendedKey: legacy === suspendedKey ? undefined : legacy,
  };
}

// Copies the legacy hash (signatures and all) into the new one only when
// neither new key exists: a fleet that ran on the new names (the first sync
// writes to the stream) never gets back suspensions it resumed since. One
// script, so two instances starting together copy it once. The legacy hash
// is kept (an instance rolled back still reads it).
const COPY_LEGACY_HASH = `
if redis.call('exists', KEYS[1]) == 1 or redis.call('exists', KEYS[2]) == 1
  or redis.call('type', KEYS[3]).ok ~= 'hash' then
  return -1
end
local entries = redis.call('hgetall', KEYS[3])
for i = 1, #entries, 2 do
  redis.call('hset', KEYS[1], entries[i], entries[i + 1])
end
return #entries / 2
`;

/**
 * Move suspensions kept under the legacy name to the new one (single-node
 * Redis and Sentinel: on a cluster the legacy keys never worked). Costs one
 * `EXISTS` when there is nothing to move.
 */
export async function migrateLegacySuspended(
  client: RedisClient,
  keys: Pick<FleetKeys, 'streamKey' | 'suspendedKey'> & {
    legacySuspendedKey?: string;
  },
): Promise<void> {
  const {streamKey, suspendedKey, legacySuspendedKey: legacy} = keys;
  if (legacy === undefined || (await client.call('exists', legacy)) !== 1) {
    return;
  }
  const copied = await client.call(
    'eval',
    COPY_LEGACY_HASH,
    3,
    suspendedKey,
    streamKey,
    legacy,
  );
  if (typeof copied === 'number' && copied >= 0) {
    debug(
      'copied %d suspended tenants from %s to %s',
      copied,
      legacy,
      suspendedKey,
    );
  }
}
