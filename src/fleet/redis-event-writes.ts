// Copyright loopback4-tenant-registry contributors. MIT License.

import type {MessageSigner} from './message-signer';
import type {RedisArgument, RedisClient} from './redis-client';
import {reconnectIfTimedOut} from './redis-client';
import {suspendedTenantValue} from './redis-suspended-tenants';
import {encodeAnchorEntry, encodeStreamEntry} from './stream-entry';
import {INSTANCE_ID, type TenantEvent} from './tenant-event';

/** Where and how an event is written. @internal */
export interface RedisEventWriteOptions {
  streamKey: string;
  suspendedKey: string;
  maxStreamLength: number;
  signer: MessageSigner | undefined;
}

/**
 * Write an event in one `MULTI`: a suspend or resume to the suspended hash
 * (the truth), and the event to the stream (the news).
 *
 * @throws The first error of the transaction, or the connection's.
 * @internal
 */
export async function writeTenantEvent(
  client: RedisClient,
  event: TenantEvent,
  options: RedisEventWriteOptions,
): Promise<void> {
  const {streamKey, suspendedKey, maxStreamLength, signer} = options;
  const {type, tenantId} = event;
  const writes: RedisArgument[][] = [];
  if (type === 'suspend') {
    const value = suspendedTenantValue(tenantId, signer);
    writes.push(['hset', suspendedKey, tenantId, value]);
  } else if (type === 'resume') {
    writes.push(['hdel', suspendedKey, tenantId]);
  }
  writes.push([
    'xadd',
    ...xaddArgs(streamKey, maxStreamLength, encodeStreamEntry(event, signer)),
  ]);
  let replies: [Error | null, unknown][] | null;
  try {
    replies = await client.multi(writes).exec();
  } catch (error: unknown) {
    reconnectIfTimedOut(client, error);
    throw error;
  }
  if (replies === null) throw new Error('The Redis transaction was aborted');
  const failed = replies.find(([error]) => error !== null);
  if (failed) throw failed[0];
}

/**
 * Add an anchor entry to the stream (creating it when missing), trimmed as
 * events are.
 *
 * @internal
 */
export async function writeStreamAnchor(
  client: RedisClient,
  streamKey: string,
  maxStreamLength: number,
): Promise<void> {
  try {
    await client.call(
      'xadd',
      ...xaddArgs(streamKey, maxStreamLength, encodeAnchorEntry(INSTANCE_ID)),
    );
  } catch (error: unknown) {
    reconnectIfTimedOut(client, error);
    throw error;
  }
}

/** `XADD`'s arguments: `fields` as a new entry, the stream trimmed to about `max`. */
function xaddArgs(
  streamKey: string,
  max: number,
  fields: string[],
): RedisArgument[] {
  return [streamKey, 'MAXLEN', '~', max, '*', ...fields];
}
