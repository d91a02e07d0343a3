// Copyright loopback4-tenant-registry contributors. MIT License.

import type {MessageSigner} from './message-signer';
import {execMulti, type RedisArgument, type RedisClient} from './redis-client';
import type {StreamInfo, StreamState} from './stream-gap';
import {parseTenantEvent, type TenantEvent} from './tenant-event';

/** An XREAD entry; `fields` is `undefined` if not all strings. @internal */
export interface StreamEntry {
  id: string;
  fields: string[] | undefined;
}

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/**
 * The stream's state (`undefined` when the key does not exist) and up to
 * `count` entries after `lastId`, read in one transaction: the entries are
 * exactly those that followed `lastId` in the stream so described.
 *
 * @throws Error when Redis fails (`WRONGTYPE`) or answers oddly.
 * @internal
 */
export async function readStream(
  client: RedisClient,
  streamKey: string,
  lastId: string,
  count: number,
): Promise<{stream: StreamState | undefined; entries: StreamEntry[]}> {
  const xread = ['xread', 'COUNT', count, 'STREAMS', streamKey, lastId];
  const [[infoError, info], [rangeError, range], read] = await execMulti(
    client,
    [
      ['xinfo', 'stream', streamKey],
      ['xrange', streamKey, lastId, lastId],
      ...(count > 0 ? [xread] : []),
    ],
  );
  if (infoError !== null && !/no such key/i.test(infoError.message)) {
    throw infoError;
  }
  const error = rangeError ?? read?.[0] ?? null;
  if (error !== null) throw error;
  const entries = read === undefined ? [] : parseXReadReply(read[1]);
  if (infoError !== null) return {stream: undefined, entries};
  const hasLastId = asList(range).length > 0;
  return {stream: {...parseStreamInfo(info), hasLastId}, entries};
}

/** `XADD` of `fields`, the stream trimmed to about `maxLength`. @internal */
export function xaddCommand(
  streamKey: string,
  maxLength: number,
  fields: string[],
): RedisArgument[] {
  return ['xadd', streamKey, 'MAXLEN', '~', maxLength, '*', ...fields];
}

/**
 * An event's entry: `event` (its JSON) and, with a signer, `sig` (an
 * HMAC-SHA256 of that exact text).
 *
 * @internal
 */
export function encodeStreamEntry(
  event: TenantEvent,
  signer: MessageSigner | undefined,
): string[] {
  const {type, tenantId, instanceId} = event;
  const text = JSON.stringify({type, tenantId, instanceId});
  return signer === undefined
    ? ['event', text]
    : ['event', text, 'sig', signer.sign('event', text)];
}

/**
 * The event in an entry's untrusted fields, if well-formed and (with a
 * signer) correctly signed; `undefined` to drop the entry. Never throws.
 *
 * @internal
 */
export function decodeStreamEntry(
  fields: string[] | undefined,
  signer: MessageSigner | undefined,
): TenantEvent | undefined {
  // More than `event` and `sig` (and a little room) is not ours.
  if (fields === undefined || fields.length > 8) return undefined;
  let text: string | undefined;
  let signature: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'event') text = fields[i + 1];
    else if (fields[i] === 'sig') signature = fields[i + 1];
  }
  if (text === undefined) return undefined;
  if (signer !== undefined && !signer.verify('event', text, signature)) {
    return undefined;
  }
  return parseTenantEvent(text);
}

/**
 * The entries of an XREAD reply on one stream.
 *
 * @throws Error when the reply is not shaped like one (Redis writes the
 * shape; the fields, which anyone with access to Redis writes, are only
 * passed on).
 * @internal
 */
export function parseXReadReply(reply: unknown): StreamEntry[] {
  if (reply === null) return [];
  const entries: StreamEntry[] = [];
  for (const stream of asList(reply)) {
    for (const entry of asList(asList(stream)[1])) {
      const [id, fields] = asList(entry);
      if (typeof id !== 'string' || !STREAM_ID.test(id)) {
        throw new Error('unexpected stream entry id in an XREAD reply');
      }
      const isStrings =
        Array.isArray(fields) && fields.every(f => typeof f === 'string');
      entries.push({id, fields: isStrings ? (fields as string[]) : undefined});
    }
  }
  return entries;
}

/**
 * An `XINFO STREAM` reply (names and values, as Redis 5 to 7 send it);
 * fields a version does not report are left `undefined`.
 *
 * @throws Error when `last-generated-id` or `length` is missing or invalid.
 * @internal
 */
export function parseStreamInfo(reply: unknown): StreamInfo {
  const list = asList(reply);
  const field = (name: string) => {
    const at = list.indexOf(name);
    return at % 2 === 0 ? list[at + 1] : undefined;
  };
  const id = (value: unknown) =>
    typeof value === 'string' && STREAM_ID.test(value) ? value : undefined;
  const count = (value: unknown) =>
    Number.isSafeInteger(value) && (value as number) >= 0
      ? (value as number)
      : undefined;
  const entryId = (entry: unknown) =>
    Array.isArray(entry) ? id(entry[0]) : undefined;
  const lastGeneratedId = id(field('last-generated-id'));
  const length = count(field('length'));
  if (lastGeneratedId === undefined || length === undefined) {
    throw new Error('unexpected XINFO STREAM reply');
  }
  return {
    lastGeneratedId,
    length,
    firstEntryId: entryId(field('first-entry')),
    lastEntryId: entryId(field('last-entry')),
    entriesAdded: count(field('entries-added')),
    maxDeletedEntryId: id(field('max-deleted-entry-id')),
  };
}

function asList(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error('unexpected reply from Redis');
  return value;
}
