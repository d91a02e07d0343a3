// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * Why an instance may have missed fleet events (a *gap*, see
 * `docs/fleet.md`), so evicted every tenant: the stream is `missing`,
 * `recreated` (it started over), `replaced` (another stream holds the key),
 * `trimmed` past the last entry read, holds older entries but not that one
 * (`unknown-last-id`), had a newer entry `deleted` (`XDEL`), or cannot be
 * told unchanged after an absence (`unverifiable`).
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
  /** The last entry read, or the stream's end when the instance joined. */
  lastId: string;
  /** `entries-added` up to `lastId` (Redis 7+; 0 for no stream), if known. */
  entriesAdded: number | undefined;
  /** Whether `lastId` is an entry the stream held (read, or its last). */
  isEntry: boolean;
}

/** What `XINFO STREAM` says (the last two from Redis 7 on). @internal */
export interface StreamInfo {
  lastGeneratedId: string;
  length: number;
  firstEntryId?: string;
  lastEntryId?: string;
  entriesAdded?: number;
  maxDeletedEntryId?: string;
}

/** The stream, and whether it holds `lastId` (`XRANGE id id`). @internal */
export interface StreamState extends StreamInfo {
  hasLastId: boolean;
}

// Why entries after `position` may be gone (`wasAway`: since). The proof
// that none is: the entry last read, still in the stream (trimming takes the
// oldest first; Redis 7+ reports the highest `XDEL`ed id). A position that is
// no entry proves nothing after an absence; while following (the blocking
// read wakes on every `XADD`), the counts of entries added are checked.
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

/** Where an instance joins (or rejoins after a gap): the end. @internal */
export function streamEnd(stream: StreamInfo | undefined): StreamPosition {
  if (stream === undefined) {
    return {lastId: '0-0', entriesAdded: 0, isEntry: false};
  }
  const {lastGeneratedId: lastId, entriesAdded, lastEntryId} = stream;
  return {lastId, entriesAdded, isEntry: lastEntryId === lastId};
}

/** Compare stream ids (`<ms>-<sequence>`) numerically: -1, 0, 1. @internal */
export function compareStreamIds(a: string, b: string): number {
  const [aTime, aSequence] = a.split('-').map(BigInt);
  const [bTime, bSequence] = b.split('-').map(BigInt);
  const difference = aTime === bTime ? aSequence - bSequence : aTime - bTime;
  return Math.sign(Number(difference));
}
