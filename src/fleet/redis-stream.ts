// Copyright loopback4-tenant-registry contributors. MIT License.

import {execMulti, type RedisArgument, type RedisClient} from './redis-client';
import {encodeAnchorEntry, xaddCommand} from './stream-entry';
import type {StreamInfo, StreamState} from './stream-gap';
import {INSTANCE_ID} from './tenant-event';

/** One entry of an XREAD reply. @internal */
export interface StreamEntry {
  id: string;
  /** Field, value, field, value...; `undefined` when not a list of strings. */
  fields: string[] | undefined;
}

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/**
 * The stream's state, whether it still holds `lastId`, and up to `count`
 * entries after `lastId`, read in one transaction (so the entries are
 * exactly those that followed `lastId` in the stream so described).
 *
 * @param count - Entries to read; 0 reads none.
 * @returns `stream` is `undefined` when the key does not exist.
 * @throws Error when Redis fails (a key of another type: `WRONGTYPE`) or
 * answers with an unexpected shape.
 * @internal
 */
export async function readStream(
  client: RedisClient,
  streamKey: string,
  lastId: string,
  count: number,
): Promise<{stream: StreamState | undefined; entries: StreamEntry[]}> {
  const commands: RedisArgument[][] = [
    ['xinfo', 'stream', streamKey],
    ['xrange', streamKey, lastId, lastId],
  ];
  if (count > 0) {
    commands.push(['xread', 'COUNT', count, 'STREAMS', streamKey, lastId]);
  }
  const [[infoError, info], [rangeError, range], read] = await execMulti(
    client,
    commands,
  );
  if (infoError !== null && !/no such key/i.test(infoError.message)) {
    throw infoError;
  }
  if (rangeError !== null) throw rangeError;
  const readError = read?.[0] ?? null;
  if (readError !== null) throw readError;
  const entries = read === undefined ? [] : parseXReadReply(read[1]);
  if (infoError !== null) return {stream: undefined, entries};
  const hasLastId = asList(range).length > 0;
  return {stream: {...parseStreamInfo(info), hasLastId}, entries};
}

/**
 * Add an *anchor* to the stream (creating it when missing), trimmed as
 * events are: an instance that finds the stream missing or empty writes one,
 * so that it holds an entry to recognise the stream by after an absence
 * (see `findStreamGap`).
 *
 * @internal
 */
export async function writeStreamAnchor(
  client: RedisClient,
  streamKey: string,
  maxStreamLength: number,
): Promise<void> {
  const anchor = encodeAnchorEntry(INSTANCE_ID);
  const [[error]] = await execMulti(client, [
    xaddCommand(streamKey, maxStreamLength, anchor),
  ]);
  if (error !== null) throw error;
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
    const [, streamEntries] = asList(stream);
    for (const entry of asList(streamEntries)) {
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
 * An `XINFO STREAM` reply (a flat list of names and values, as Redis 5 to 7
 * send it); fields a version does not report are left `undefined`.
 *
 * @throws Error when `last-generated-id` or `length` is missing or invalid.
 * @internal
 */
export function parseStreamInfo(reply: unknown): StreamInfo {
  const list = asList(reply);
  const field = (name: string) => {
    for (let i = 0; i + 1 < list.length; i += 2) {
      if (list[i] === name) return list[i + 1];
    }
    return undefined;
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
