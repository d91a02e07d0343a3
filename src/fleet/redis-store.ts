// Copyright loopback4-tenant-registry contributors. MIT License.

import {createHmac, timingSafeEqual} from 'node:crypto';
import {isValidTenantId} from '../context/tenant-id';
import {execMulti, type RedisArgument, type RedisClient} from './redis-client';
import type {StreamInfo, StreamState} from './stream-gap';
import {parseTenantEvent, type TenantEvent} from './tenant-event';

// HMAC-SHA256 over what instances write. Each purpose signs a different
// text: a signature lifted from one kind of record never verifies as another.
export class MessageSigner {
  private readonly key: Buffer;

  constructor(key: string | Buffer) {
    this.key = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  }

  sign(purpose: 'event' | 'suspended', text: string): string {
    const hmac = createHmac('sha256', this.key).update(`${purpose}\n${text}`);
    return hmac.digest('base64url');
  }

  /** Whether `signature` (untrusted) is right, in constant time. */
  verify(purpose: 'event' | 'suspended', text: string, signature: unknown) {
    if (typeof signature !== 'string') return false;
    const expected = Buffer.from(this.sign(purpose, text));
    const presented = Buffer.from(signature);
    return (
      presented.length === expected.length &&
      timingSafeEqual(presented, expected)
    );
  }
}

/** An XREAD entry; `fields` is `undefined` if not all strings. @internal */
export interface StreamEntry {
  id: string;
  fields: string[] | undefined;
}

/** The most suspended tenants read: bounds memory if the hash is flooded. */
export const MAX_SUSPENDED_TENANTS = 100_000;

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

// The entries the last read verified, per signer: every suspend or resume
// makes each instance read the whole hash again.
const checkedEntries = new WeakMap<MessageSigner, Map<string, string>>();

// The stream (`undefined`: no such key) and up to `count` entries after
// `lastId`, in one transaction: exactly those that followed it in that stream.
export async function readStream(
  client: RedisClient,
  streamKey: string,
  lastId: string,
  count: number,
): Promise<{stream: StreamState | undefined; entries: StreamEntry[]}> {
  const [[infoError, info], [rangeError, range], [readError, read]] =
    await execMulti(client, [
      ['xinfo', 'stream', streamKey],
      ['xrange', streamKey, lastId, lastId],
      ['xread', 'COUNT', count, 'STREAMS', streamKey, lastId],
    ]);
  if (infoError !== null && !/no such key/i.test(infoError.message)) {
    throw infoError;
  }
  if (rangeError !== null || readError !== null) throw rangeError ?? readError;
  const entries = parseXReadReply(read);
  if (infoError !== null) return {stream: undefined, entries};
  const hasLastId = asList(range).length > 0;
  return {stream: {...parseStreamInfo(info), hasLastId}, entries};
}

export function xaddCommand(
  streamKey: string,
  maxLength: number,
  fields: string[],
): RedisArgument[] {
  return ['xadd', streamKey, 'MAXLEN', '~', maxLength, '*', ...fields];
}

/** An event's fields: `event` (JSON) and maybe `sig` (its HMAC). @internal */
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

/** The event in an entry if well-formed and signed; never throws. @internal */
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

// Throws on a reply not shaped like one (Redis writes it); the fields,
// which anyone with access to Redis writes, are passed on as they are.
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

/** An `XINFO STREAM` reply (Redis 5 to 7); throws if unusable. @internal */
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

// The valid, signed suspended tenants, and how many not. `HSCAN`, not
// `HGETALL`: 100,000 entries never make one long task. An entry changed during
// the scan may be missed; the stream entry written with it brings a re-read.
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
  let cursor = '0';
  do {
    // 500 entries a reply are parsed and checked in about 1 ms.
    const reply = await client.call('hscan', key, cursor, 'COUNT', 500);
    const [next, entries] = Array.isArray(reply) ? reply : [];
    if (typeof next !== 'string' || !Array.isArray(entries)) {
      throw new Error('unexpected HSCAN reply');
    }
    for (let i = 0; i + 1 < entries.length; i += 2) {
      const [tenantId, value] = [entries[i], entries[i + 1]];
      const isTrusted =
        isValidTenantId(tenantId) &&
        (signer === undefined ||
          // The value checked before (no secret: anyone who reads sees it).
          known?.get(tenantId) === value ||
          signer.verify('suspended', tenantId, value));
      if (!isTrusted) {
        rejected++;
        continue;
      }
      tenantIds.push(tenantId);
      if (signer !== undefined) checked.set(tenantId, value);
    }
    // The hash may grow while it is scanned.
    if (tenantIds.length > MAX_SUSPENDED_TENANTS) throw tooLarge('over');
    cursor = next;
  } while (cursor !== '0');
  if (signer !== undefined) checkedEntries.set(signer, checked);
  return {tenantIds, rejected};
}

function tooLarge(size: unknown): Error {
  return new Error(
    `the suspended tenants hash holds ${String(size)} entries, more than ${MAX_SUSPENDED_TENANTS}`,
  );
}

function asList(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error('unexpected reply from Redis');
  return value;
}
