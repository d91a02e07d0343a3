// Copyright loopback4-tenant-registry contributors. MIT License.

import {hash} from 'node:crypto';
import {invalidOptionError, tenantIdentifierTooLongError} from '../errors';
import {validateTenantId} from './tenant-id';

// PostgreSQL's limit (NAMEDATALEN - 1), where longer names are cut with only
// a NOTICE; MySQL (64), SQL Server and Oracle 12.2+ (128) refuse them.
export const DEFAULT_MAX_IDENTIFIER_BYTES = 63;

// Why no id lands on another id's name: each character is one token, `a`-`z`
// and `0`-`9` as themselves, `_` as `__`, `A`-`Z` as `_` and the lower-case
// letter, `.` `:` `-` as `_0` `_1` `_2`; a token is two characters exactly
// when it starts with `_`, so an encoding reads one way only. A shortened name
// is `<prefix>_<whole tokens>_9<hash>`; `_9` is no token, so its tail equals no
// encoded id, nor another's tail unless 130 bits of SHA-256 collide.
// All is `[a-z0-9_]`: lower-casing (the PostgreSQL connector does) is safe.
const MARKER = '_9';
const HASH_LENGTH = 26; // base32 characters: 130 bits
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'; // RFC 4648, lower case
const SHORTENED_MINIMUM = 1 + MARKER.length + HASH_LENGTH;

/**
 * A tenant's schema, database, table or model name: `<prefix>_` and the id
 * in `[a-z0-9_]` (`Acme` gives `tenant__acme`, `eu.acme` `tenant_eu_0acme`),
 * distinct for distinct ids, at most `maxBytes` (default 63) UTF-8 bytes; a
 * longer name ends in `_9` and a hash of the id.
 *
 * @param prefix - At most `maxBytes - 29` bytes, so that every id has a name.
 * @throws TenantRegistryError `INVALID_TENANT_ID`, `INVALID_OPTION` or
 * `TENANT_IDENTIFIER_TOO_LONG` (no room for the hash).
 *
 * @example
 * ```ts
 * const schema = tenantIdentifier('tenant', tenantId); // tenant_acme
 * ```
 */
export function tenantIdentifier(
  prefix: string,
  tenantId: string,
  options: {maxBytes?: number} = {},
): string {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IDENTIFIER_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw invalidOptionError('maxBytes', 'a positive integer', maxBytes);
  }
  const encoded = encodeTenantId(validateTenantId(tenantId));
  const prefixBytes = Buffer.byteLength(prefix);
  if (prefixBytes + 1 + encoded.length <= maxBytes) {
    return `${prefix}_${encoded}`;
  }
  const room = maxBytes - prefixBytes - SHORTENED_MINIMUM;
  if (room < 0) {
    throw tenantIdentifierTooLongError(
      prefix,
      tenantId,
      maxBytes,
      SHORTENED_MINIMUM,
    );
  }
  const kept = encoded.slice(0, wholeTokensWithin(encoded, room));
  return `${prefix}_${kept}${MARKER}${hashTenantId(tenantId)}`;
}

function encodeTenantId(tenantId: string): string {
  let encoded = '';
  for (let i = 0; i < tenantId.length; i++) {
    const code = tenantId.charCodeAt(i);
    if ((code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39)) {
      encoded += tenantId[i];
    } else if (code >= 0x41 && code <= 0x5a) {
      encoded += `_${String.fromCharCode(code + 0x20)}`;
    } else if (code === 0x5f) {
      encoded += '__';
    } else {
      encoded += `_${'.:-'.indexOf(tenantId[i])}`;
    }
  }
  return encoded;
}

function wholeTokensWithin(encoded: string, room: number): number {
  let end = 0;
  while (end < encoded.length) {
    const next = end + (encoded[end] === '_' ? 2 : 1);
    if (next > room) break;
    end = next;
  }
  return end;
}

// The first 130 bits of its SHA-256 in base32; the one-shot `hash` costs half
// of `createHash` (docs/performance.md).
function hashTenantId(tenantId: string): string {
  const digest = hash('sha256', tenantId, 'buffer');
  let text = '';
  let bits = 0;
  let buffer = 0;
  for (let i = 0; text.length < HASH_LENGTH;) {
    if (bits < 5) {
      buffer = ((buffer << 8) | digest[i++]) & 0xfff;
      bits += 8;
    }
    bits -= 5;
    text += BASE32[(buffer >>> bits) & 31];
  }
  return text;
}
