// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * Why an instance may have missed fleet events (a *gap*); it then evicts
 * every tenant it holds, as there is no telling which evictions it missed.
 *
 * - `missing`: the stream is gone (Redis lost its data, or the key was
 *   deleted).
 * - `recreated`: the stream started over: its ids or its count of entries
 *   ever added went below what the instance had read.
 * - `replaced`: a different stream holds the key: it has more entries newer
 *   than the last one read than were added since.
 * - `trimmed`: the last entry read is gone with everything up to it, so
 *   entries after it may be gone too.
 * - `unknown-last-id`: the stream holds entries older than the last one read
 *   but not that one (deleted, or a different stream).
 * - `deleted`: an entry newer than the last one read was deleted (`XDEL`).
 * - `unverifiable`: the instance was away, and cannot tell whether what was
 *   added meanwhile is all there: it holds no entry of the stream to
 *   recognise it by, or Redis (before 7.0) does not report deletions.
 */
export type StreamGapReason =
  | 'missing'
  | 'recreated'
  | 'replaced'
  | 'trimmed'
  | 'unknown-last-id'
  | 'deleted'
  | 'unverifiable';

/** Where an instance stands in the stream. @internal */
export interface StreamPosition {
  /** The last entry read; or the stream's end when the instance joined. */
  lastId: string;
  /**
   * Entries ever added up to `lastId` (`entries-added`, Redis 7 and later;
   * 0 when the stream did not exist), or `undefined` when unknown.
   */
  entriesAdded: number | undefined;
  /** Whether `lastId` is an entry the stream held (read, or its last). */
  isEntry: boolean;
}

/** What `XINFO STREAM` says of the stream. @internal */
export interface StreamInfo {
  lastGeneratedId: string;
  /** Entries in the stream now. */
  length: number;
  /** The oldest entry's id; `undefined` when the stream is empty. */
  firstEntryId?: string;
  /** The newest entry's id; `undefined` when the stream is empty. */
  lastEntryId?: string;
  /** Redis 7 and later: entries ever added. */
  entriesAdded?: number;
  /** Redis 7 and later: the highest id deleted with XDEL. */
  maxDeletedEntryId?: string;
}

/** The stream as read in one transaction with the entries that follow. @internal */
export interface StreamState extends StreamInfo {
  /** Whether the stream still holds the entry `lastId` (`XRANGE id id`). */
  hasLastId: boolean;
}

/**
 * Whether entries after `position` may be gone, and why.
 *
 * @remarks
 * The proof that nothing was lost is the entry last read, still in the
 * stream: ids are unique, and trimming removes the oldest entries first, so
 * everything after it is there too, unless deleted one by one (Redis 7 and
 * later report the highest deleted id). A position that is not an entry
 * (the stream was empty or missing when the instance joined) proves nothing
 * after an absence; while the instance follows (its blocking read wakes on
 * every `XADD`), the counts of entries added are checked instead.
 *
 * @param position - Where the instance stands.
 * @param stream - The stream now; `undefined` when it does not exist.
 * @param wasAway - Whether the connection was lost since `position`.
 * @returns The reason, or `undefined` when nothing can have been lost.
 * @internal
 */
export function findStreamGap(
  position: StreamPosition,
  stream: StreamState | undefined,
  wasAway: boolean,
): StreamGapReason | undefined {
  const {lastId, entriesAdded: seen, isEntry} = position;
  if (stream === undefined) {
    if (isEntry || lastId !== '0-0' || seen !== 0) return 'missing';
    // It did not exist then either: only an absence can hide its history.
    return wasAway ? 'unverifiable' : undefined;
  }
  const {entriesAdded, length, firstEntryId, maxDeletedEntryId} = stream;
  const newer = compareStreamIds(stream.lastGeneratedId, lastId);
  if (newer < 0) return 'recreated';
  const hasCounts = entriesAdded !== undefined && seen !== undefined;
  if (hasCounts && entriesAdded < seen) return 'recreated';
  const addedSince = hasCounts ? entriesAdded - seen : undefined;
  if (isEntry && !stream.hasLastId) {
    const isAllOlderGone =
      firstEntryId === undefined || compareStreamIds(firstEntryId, lastId) > 0;
    if (!isAllOlderGone) return 'unknown-last-id';
    // In one history, entries newer than the last read were added since.
    return addedSince !== undefined && length > addedSince
      ? 'replaced'
      : 'trimmed';
  }
  if (
    maxDeletedEntryId !== undefined &&
    compareStreamIds(maxDeletedEntryId, lastId) > 0
  ) {
    return 'deleted';
  }
  if (newer === 0) return undefined;
  if (wasAway && (!isEntry || maxDeletedEntryId === undefined)) {
    return 'unverifiable';
  }
  // Trimming takes the oldest first: newer entries are all there exactly
  // when at least as many are left as were added since.
  if (!isEntry && addedSince !== undefined && length < addedSince) {
    return 'trimmed';
  }
  return undefined;
}

/**
 * The position at the stream's end, where an instance joins (or rejoins
 * after a gap): nothing older concerns what it will hold.
 *
 * @internal
 */
export function streamEnd(stream: StreamInfo | undefined): StreamPosition {
  if (stream === undefined) {
    return {lastId: '0-0', entriesAdded: 0, isEntry: false};
  }
  return {
    lastId: stream.lastGeneratedId,
    entriesAdded: stream.entriesAdded,
    isEntry: stream.lastEntryId === stream.lastGeneratedId,
  };
}

/** The position once the entry `id`, next after `position`, is read. @internal */
export function positionAt(
  id: string,
  position: StreamPosition,
): StreamPosition {
  const {entriesAdded} = position;
  return {
    lastId: id,
    entriesAdded: entriesAdded === undefined ? undefined : entriesAdded + 1,
    isEntry: true,
  };
}

/**
 * Compare two stream ids (`<milliseconds>-<sequence>`), numerically.
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
