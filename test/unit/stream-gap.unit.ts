// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {parseStreamInfo} from '../../src/fleet/redis-store';
import {
  compareStreamIds,
  findStreamGap,
  streamEnd,
  type StreamInfo,
  type StreamPosition,
} from '../../src/fleet/stream-gap';

// The stream below had entries 1-0 to 10-0 added, and keeps 6-0 to 10-0.
// Replies are shaped as redis-server 7.0.15 sends them (a flat list), or
// as Redis 6 does (no entries-added, no max-deleted-entry-id).
describe('findStreamGap() on XINFO STREAM replies', () => {
  const readUpTo = (id: string, seen?: number): StreamPosition => ({
    lastId: id,
    entriesAdded: seen ?? Number(id.split('-')[0]),
    isEntry: true,
  });
  const AT_8 = readUpTo('8-0');
  const JOINED_EMPTY = streamEnd(info({first: undefined, length: 0}));
  const JOINED_MISSING = streamEnd(undefined);

  describe('no gap', () => {
    it('when the entry read last is still there, and nothing newer was deleted', () => {
      for (const wasAway of [true, false]) {
        expect(gapOf(AT_8, {}, wasAway)).to.be.undefined();
      }
    });

    it('when nothing was added since (caught up)', () => {
      expect(gapOf(readUpTo('10-0'), {}, true)).to.be.undefined();
    });

    it('when it joined before the stream existed, and it still does not, while it follows', () => {
      expect(gapOf(JOINED_MISSING, undefined, false)).to.be.undefined();
    });

    it('when it joined an empty stream and every entry added since is there, while it follows', () => {
      expect(JOINED_EMPTY.isEntry).to.be.false();
      const later = {first: '11-0', last: '12-0', added: 12, length: 2};
      expect(gapOf(JOINED_EMPTY, later, false)).to.be.undefined();
      expect(gapOf(JOINED_EMPTY, {length: 0}, true)).to.be.undefined();
    });
  });

  describe('a gap', () => {
    it('"missing" when the stream is gone', () => {
      expect(gapOf(AT_8, undefined, false)).to.equal('missing');
      expect(gapOf(JOINED_EMPTY, undefined, true)).to.equal('missing');
    });

    it('"recreated" when its ids went below the entry read last', () => {
      const restarted = {first: '1-0', last: '2-0', added: 2, length: 2};
      expect(gapOf(AT_8, restarted, false)).to.equal('recreated');
    });

    it('"recreated" when fewer entries were ever added than it had read, whatever the ids', () => {
      const anew = {first: '20-0', last: '20-0', added: 1, length: 1};
      expect(gapOf(AT_8, anew, true)).to.equal('recreated');
    });

    it('"replaced" when more entries newer than the last read are there than were added since', () => {
      const other = {first: '20-0', last: '29-0', added: 10, length: 10};
      expect(gapOf(readUpTo('2-0'), other, true)).to.equal('replaced');
    });

    it('"trimmed" when the entry read last is gone with everything before it', () => {
      expect(gapOf(readUpTo('3-0'), {}, true)).to.equal('trimmed');
      expect(gapOf(AT_8, {first: undefined, length: 0}, false)).to.equal(
        'trimmed',
      );
    });

    it('"unknown-last-id" when older entries are there but not the one read last', () => {
      const spanning = {first: '1-1', last: '20-0', added: 9, length: 2};
      expect(gapOf(AT_8, {...spanning, hasLastId: false}, true)).to.equal(
        'unknown-last-id',
      );
      expect(gapOf(AT_8, {deleted: '8-0', length: 4}, true)).to.equal(
        'unknown-last-id',
      );
    });

    it('"deleted" when an entry newer than the last read was deleted (XDEL)', () => {
      expect(gapOf(AT_8, {deleted: '9-0', length: 4}, false)).to.equal(
        'deleted',
      );
    });

    it('"trimmed" when entries added since it joined an empty stream are gone, while it follows', () => {
      const trimmed = {first: '12-0', last: '12-0', added: 12, length: 1};
      expect(gapOf(JOINED_EMPTY, trimmed, false)).to.equal('trimmed');
    });

    it('"unverifiable" after an absence, from a position that is no entry of the stream', () => {
      const later = {first: '11-0', last: '11-0', added: 11, length: 1};
      expect(gapOf(JOINED_EMPTY, later, true)).to.equal('unverifiable');
      // It did not exist, and does not: created and lost meanwhile?
      expect(gapOf(JOINED_MISSING, undefined, true)).to.equal('unverifiable');
    });
  });

  describe('before Redis 7 (no entries-added, no max-deleted-entry-id)', () => {
    const unknownCount = (id: string) => ({
      ...readUpTo(id),
      entriesAdded: undefined,
    });

    it('trusts the entry read last while it follows', () => {
      expect(
        gapOf(unknownCount('8-0'), {redis6: true}, false),
      ).to.be.undefined();
      expect(gapOf(unknownCount('3-0'), {redis6: true}, false)).to.equal(
        'trimmed',
      );
    });

    it('after an absence, calls entries added meanwhile unverifiable (deletions are not reported)', () => {
      expect(gapOf(unknownCount('8-0'), {redis6: true}, true)).to.equal(
        'unverifiable',
      );
      expect(
        gapOf(unknownCount('10-0'), {redis6: true}, true),
      ).to.be.undefined();
    });
  });

  it('streamEnd() is an entry only when the stream ends with the last id it generated', () => {
    expect(JOINED_MISSING).to.deepEqual({
      lastId: '0-0',
      entriesAdded: 0,
      isEntry: false,
    });
    expect(streamEnd(info({}))).to.deepEqual(readUpTo('10-0'));
    // Its newest entry was deleted (XDEL): the end is no entry.
    const deletedTail = info({last: '9-0', generated: '10-0', deleted: '10-0'});
    expect(streamEnd(deletedTail).isEntry).to.be.false();
  });

  it('parseStreamInfo() leaves out what the reply does not give, and refuses a reply without an end', () => {
    const empty = info({first: undefined, length: 0});
    expect(empty).to.containDeep({lastGeneratedId: '10-0', length: 0});
    expect(empty.firstEntryId).to.be.undefined();
    expect(empty.lastEntryId).to.be.undefined();
    expect(info({redis6: true}).entriesAdded).to.be.undefined();
    expect(info({redis6: true}).maxDeletedEntryId).to.be.undefined();
    expect(() => parseStreamInfo(['length', 1])).to.throw(/unexpected/);
    expect(() => parseStreamInfo(['last-generated-id', '1-0'])).to.throw(
      /unexpected/,
    );
    expect(() => parseStreamInfo('x')).to.throw(/unexpected/);
  });

  /** How the stream differs from the one described at the top. */
  interface Overrides {
    first?: string;
    last?: string;
    generated?: string;
    added?: number;
    length?: number;
    deleted?: string;
    redis6?: boolean;
    /** Default: the stream spans the id read last, and it was not deleted. */
    hasLastId?: boolean;
  }

  function gapOf(
    position: StreamPosition,
    overrides: Overrides | undefined,
    wasAway: boolean,
  ) {
    if (overrides === undefined) {
      return findStreamGap(position, undefined, wasAway);
    }
    const stream = info(overrides);
    const {firstEntryId: first, lastEntryId: last} = stream;
    const id = position.lastId;
    const spans =
      first !== undefined &&
      last !== undefined &&
      compareStreamIds(first, id) <= 0 &&
      compareStreamIds(id, last) <= 0;
    const hasLastId =
      overrides.hasLastId ?? (spans && overrides.deleted !== id);
    return findStreamGap(position, {...stream, hasLastId}, wasAway);
  }

  function info(overrides: Overrides): StreamInfo {
    return parseStreamInfo(xinfo(overrides));
  }

  /** An XINFO STREAM reply as redis-server sends it. */
  function xinfo(overrides: Overrides): unknown[] {
    const {first = '6-0', last = '10-0', added = 10} = overrides;
    const {length = 5, deleted = '0-0'} = overrides;
    const generated = overrides.generated ?? last;
    const entry = (id: string) => (length === 0 ? null : [id, ['f', 'v']]);
    return [
      ...['length', length, 'radix-tree-keys', 1, 'radix-tree-nodes', 2],
      ...['last-generated-id', generated],
      ...(overrides.redis6
        ? []
        : [
            ...['max-deleted-entry-id', deleted, 'entries-added', added],
            ...['recorded-first-entry-id', length === 0 ? '0-0' : first],
          ]),
      ...['groups', 0, 'first-entry', entry(first), 'last-entry', entry(last)],
    ];
  }
});
