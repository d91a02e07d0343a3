// Copyright loopback4-tenant-registry contributors. MIT License.

import type {MessageSigner} from './message-signer';
import type {RedisArgument} from './redis-client';
import {parseTenantEvent, type TenantEvent} from './tenant-event';

/** More fields than `event` and `sig` (and a little room) is not ours. */
const MAX_FIELDS = 8;

/**
 * The fields of the stream entry carrying `event`: `event` (its JSON) and,
 * with a signer, `sig` (an HMAC-SHA256 of that exact text).
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
 * The event a stream entry carries, if it is well-formed and, with a
 * signer, correctly signed.
 *
 * @param fields - Untrusted: anyone with access to Redis can write them.
 * @returns The event, or `undefined` to drop the entry (never throws).
 * @internal
 */
export function decodeStreamEntry(
  fields: string[] | undefined,
  signer: MessageSigner | undefined,
): TenantEvent | undefined {
  if (fields === undefined || fields.length > MAX_FIELDS) return undefined;
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
 * The fields of an *anchor*: an entry that carries no event (see
 * `writeStreamAnchor`). Readers skip anchors without counting them as
 * rejected.
 *
 * @internal
 */
export function encodeAnchorEntry(instanceId: string): string[] {
  return ['anchor', instanceId];
}

/** Whether the fields are an anchor's. @internal */
export function isAnchorEntry(fields: string[] | undefined): boolean {
  return fields?.length === 2 && fields[0] === 'anchor';
}

/**
 * The `XADD` command adding `fields` as an entry, the stream trimmed to
 * about `maxLength` entries.
 *
 * @internal
 */
export function xaddCommand(
  streamKey: string,
  maxLength: number,
  fields: string[],
): RedisArgument[] {
  return ['xadd', streamKey, 'MAXLEN', '~', maxLength, '*', ...fields];
}
