// Copyright loopback4-tenant-registry contributors. MIT License.

import type {RedisClient} from './redis-client';

/** One entry of an XREAD reply. @internal */
export interface StreamEntry {
  id: string;
  /** Field, value, field, value...; `undefined` when not a list of strings. */
  fields: string[] | undefined;
}

/** What an instance needs to know about the stream when it (re)connects. */
export interface StreamInfo {
  lastGeneratedId: string;
  /** Entries in the stream now. */
  length: number;
  firstEntryId?: string;
  /** Redis 7 and later: entries ever added. */
  entriesAdded?: number;
  /** Redis 7 and later: the highest id deleted with XDEL. */
  maxDeletedEntryId?: string;
}

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

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
 * Compare two stream ids (`<milliseconds>-<sequence>`).
 *
 * @returns Negative, zero or positive, like a sort comparator.
 * @internal
 */
export function compareStreamIds(a: string, b: string): number {
  const [aTime, aSequence] = a.split('-').map(BigInt);
  const [bTime, bSequence] = b.split('-').map(BigInt);
  if (aTime !== bTime) return aTime < bTime ? -1 : 1;
  if (aSequence === bSequence) return 0;
  return aSequence < bSequence ? -1 : 1;
}

/**
 * `XINFO STREAM`, or `undefined` when the stream does not exist.
 *
 * @internal
 */
export async function readStreamInfo(
  client: RedisClient,
  streamKey: string,
): Promise<StreamInfo | undefined> {
  let reply: unknown;
  try {
    reply = await client.call('xinfo', 'stream', streamKey);
  } catch (error: unknown) {
    if (/no such key/i.test((error as Error).message)) return undefined;
    throw error;
  }
  const list = asList(reply);
  const field = (name: string) => {
    const at = list.indexOf(name);
    return at < 0 ? undefined : list[at + 1];
  };
  const id = (value: unknown) =>
    typeof value === 'string' && STREAM_ID.test(value) ? value : undefined;
  const lastGeneratedId = id(field('last-generated-id'));
  if (lastGeneratedId === undefined) {
    throw new Error('unexpected XINFO STREAM reply');
  }
  const count = (value: unknown) =>
    Number.isSafeInteger(value) && (value as number) >= 0
      ? (value as number)
      : undefined;
  const firstEntry = field('first-entry');
  return {
    lastGeneratedId,
    length: count(field('length')) ?? 0,
    firstEntryId: Array.isArray(firstEntry) ? id(firstEntry[0]) : undefined,
    entriesAdded: count(field('entries-added')),
    maxDeletedEntryId: id(field('max-deleted-entry-id')),
  };
}

/**
 * Whether entries after `lastId` may be gone: trimmed (beyond the stream's
 * retention), deleted, or the stream itself lost or recreated.
 *
 * @param lastId - The last entry this instance read.
 * @param seen - How many entries were added up to `lastId` (Redis 7 counts
 * them: `entries-added`), or `undefined` when unknown.
 * @param info - The stream now (`undefined`: it does not exist).
 * @internal
 */
export function mayHaveLostEntriesAfter(
  lastId: string,
  seen: number | undefined,
  info: StreamInfo | undefined,
): boolean {
  if (info === undefined) return lastId !== '0-0';
  const order = compareStreamIds(info.lastGeneratedId, lastId);
  if (order <= 0) return order < 0;
  const {maxDeletedEntryId, entriesAdded, firstEntryId} = info;
  if (
    maxDeletedEntryId !== undefined &&
    compareStreamIds(maxDeletedEntryId, lastId) > 0
  ) {
    return true;
  }
  // Trimming removes the oldest entries first: those added after `lastId`
  // are all still there exactly when the stream is at least that long.
  if (entriesAdded !== undefined && seen !== undefined) {
    return info.length < entriesAdded - seen;
  }
  // Before Redis 7 only the oldest entry tells: newer than `lastId` means
  // entries after it may have gone too.
  return (
    lastId !== '0-0' &&
    (firstEntryId === undefined || compareStreamIds(firstEntryId, lastId) > 0)
  );
}

function asList(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error('unexpected reply from Redis');
  return value;
}
