// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {retryDelay} from '../../src/fleet/redis-client';
import {
  decodeStreamEntry,
  encodeStreamEntry,
  MessageSigner,
  parseXReadReply,
} from '../../src/fleet/redis-store';
import {compareStreamIds} from '../../src/fleet/stream-gap';
import type {TenantEvent} from '../../src/fleet/tenant-event';

const KEY = 'k'.repeat(32);
const EVENT: TenantEvent = {type: 'evict', tenantId: 'acme', instanceId: 'i'};

describe('retryDelay()', () => {
  it('doubles from 50 ms up to the cap', () => {
    const top = () => 1 - Number.EPSILON;
    expect([1, 2, 3, 4, 5, 6].map(n => retryDelay(n, 1000, top))).to.deepEqual([
      50, 100, 200, 400, 800, 1000,
    ]);
    expect(retryDelay(10_000, 2000, top)).to.equal(2000);
  });

  it('jitters between half and all of the delay, never 0', () => {
    expect(retryDelay(4, 1000, () => 0)).to.equal(200);
    expect(retryDelay(0, 1, () => 0)).to.equal(1);
  });
});

describe('MessageSigner', () => {
  const signer = new MessageSigner(KEY);

  it('verifies its own signatures, for the same purpose only', () => {
    const signature = signer.sign('event', 'text');
    expect(signer.verify('event', 'text', signature)).to.be.true();
    expect(signer.verify('suspended', 'text', signature)).to.be.false();
    expect(signer.verify('event', 'text!', signature)).to.be.false();
  });

  it('refuses signatures made with another key, or not signatures at all', () => {
    const other = new MessageSigner(Buffer.from('x'.repeat(32)));
    const forged = other.sign('event', 'text');
    for (const signature of [forged, forged.slice(1), '', undefined, 42, {}]) {
      expect(signer.verify('event', 'text', signature)).to.be.false();
    }
  });
});

describe('stream entries', () => {
  const signer = new MessageSigner(KEY);

  it('round-trip an event, signed or not', () => {
    expect(
      decodeStreamEntry(encodeStreamEntry(EVENT, undefined), undefined),
    ).to.deepEqual(EVENT);
    const signed = encodeStreamEntry(EVENT, signer);
    expect(decodeStreamEntry(signed, signer)).to.deepEqual(EVENT);
    // An instance without a key accepts signed entries.
    expect(decodeStreamEntry(signed, undefined)).to.deepEqual(EVENT);
  });

  it('keeps only the event fields when encoding', () => {
    const extra = {...EVENT, note: 'x'} as TenantEvent;
    expect(JSON.parse(encodeStreamEntry(extra, undefined)[1])).to.deepEqual(
      EVENT,
    );
  });

  const dropped: [string, string[] | undefined, MessageSigner | undefined][] = [
    ['unsigned, with a key', encodeStreamEntry(EVENT, undefined), signer],
    ['not a list of strings', undefined, undefined],
    ['without an event field', ['other', 'x'], undefined],
    ['with too many fields', Array(10).fill('event'), undefined],
    ['malformed JSON', ['event', '{'], undefined],
  ];
  for (const [label, fields, key] of dropped) {
    it(`drops an entry ${label}`, () => {
      expect(decodeStreamEntry(fields, key)).to.be.undefined();
    });
  }
});

describe('XREAD replies and stream ids', () => {
  it('parses entries, marking non-string fields', () => {
    const reply = [
      [
        's',
        [
          ['1-0', ['event', '{}']],
          ['2-0', [1, 2]],
        ],
      ],
    ];
    expect(parseXReadReply(reply)).to.deepEqual([
      {id: '1-0', fields: ['event', '{}']},
      {id: '2-0', fields: undefined},
    ]);
    expect(parseXReadReply(null)).to.deepEqual([]);
  });

  it('throws on a reply that is not shaped like one', () => {
    for (const reply of ['x', [['s', 'x']], [['s', [['bad-id', []]]]]]) {
      expect(() => parseXReadReply(reply)).to.throw(/unexpected/);
    }
  });

  it('compares ids numerically, beyond 2^53 too', () => {
    expect(compareStreamIds('2-0', '10-0')).to.be.below(0);
    expect(compareStreamIds('5-10', '5-9')).to.be.above(0);
    expect(
      compareStreamIds('9007199254740993-0', '9007199254740992-0'),
    ).to.equal(1);
    expect(compareStreamIds('7-7', '7-7')).to.equal(0);
  });
});
