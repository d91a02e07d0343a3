// Copyright loopback4-tenant-registry contributors. MIT License.

import {hash} from 'node:crypto';
import {invalidOptionError, tenantIdentifierTooLongError} from '../errors';
import {validateTenantId} from './tenant-id';

/**
 * The default identifier limit, in bytes: PostgreSQL's (NAMEDATALEN - 1),
 * which cuts longer names there with only a NOTICE. It is also within MySQL's
 * 64 characters and the 128 of SQL Server and Oracle 12.2+, which refuse
 * longer names instead of cutting them.
 *
 * @internal
 */
export const DEFAULT_MAX_IDENTIFIER_BYTES = 63;

// Why a shortened name can never equal a plain one (for the same prefix).
//
// The plain name is `<prefix>_<encoded id>`, the encoding writing one token
// per character of the id: `a`-`z` and `0`-`9` as themselves; `_` as `__`;
// `A`-`Z` as `_` and the lower-case letter; `.`, `:`, `-` as `_0`, `_1`, `_2`.
// A token that starts with `_` has two characters and every other one has
// one, so an encoded id splits into tokens in exactly one way, read from the
// left: the encoding is injective, and a string is an encoded id only if
// that reading never meets a `_` followed by anything but `_`, a lower-case
// letter, `0`, `1` or `2`.
//
// A shortened name is `<prefix>_<whole tokens of the encoded id><marker>
// <hash>`, with the marker `_9`: read from the left, its tokens end where the
// marker starts, and `_9` is no token. So no tenant id encodes to what
// follows the prefix of a shortened name, and no id can be chosen to land on
// another id's shortened name. (`9`: the last digit, leaving `_3` to `_8` to
// characters ids may allow one day.) Two shortened names are equal only when
// the first 130 bits of the SHA-256 of two distinct ids are.
//
// Everything after the prefix is in `[a-z0-9_]`, so lower-casing a name (the
// PostgreSQL connector does, for table names) changes the prefix only, the
// same way for every id: names stay distinct. Every name is at most the
// limit, so a database that cuts at the limit cuts nothing.
// test/unit/tenant-identifier.unit.ts checks all of this.
const MARKER = '_9';
const HASH_LENGTH = 26; // base32 characters: 130 bits
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'; // RFC 4648, lower case
/** What a shortened name needs besides its prefix: `_`, marker, hash. */
const SHORTENED_MINIMUM = 1 + MARKER.length + HASH_LENGTH;

/**
 * The name of a tenant's schema, database, table or model: `<prefix>_` and
 * the tenant id encoded in `[a-z0-9_]`, distinct for distinct ids, at most
 * `maxBytes` bytes (UTF-8).
 *
 * @remarks
 * Lower-case letters and digits stay; `_` becomes `__`, an upper-case `X`
 * becomes `_x`, and `.`, `:`, `-` become `_0`, `_1`, `_2`: `acme` gives
 * `tenant_acme`, `Acme` `tenant__acme`, `eu.acme` `tenant_eu_0acme`. A name
 * that would be longer than `maxBytes` keeps as much of that as fits and
 * ends in `_9` and 26 base32 characters of the SHA-256 of the whole id: no
 * other id's name, long or short, can be the same (the `_9` is never
 * written by the encoding), also after lower-casing. Names that fit never
 * change. This is the rule `defineTenantModel` names models by.
 *
 * @param prefix - What the name starts with (e.g. `tenant`); keep it at
 * most `maxBytes - 29` bytes so that every id has a name.
 * @param tenantId - A valid tenant id.
 * @param options - `maxBytes`: the target database's identifier limit, in
 * bytes (default 63, PostgreSQL's).
 * @returns The name; quote it as an identifier if your prefix needs it.
 * @throws TenantRegistryError `INVALID_TENANT_ID` for an invalid id,
 * `INVALID_OPTION` for a `maxBytes` that is not a positive integer, and
 * `TENANT_IDENTIFIER_TOO_LONG` when the name needs shortening and the prefix
 * leaves no room for the hash.
 *
 * @example
 * ```ts
 * new juggler.DataSource({
 *   connector: 'postgresql',
 *   ...dbConfig,
 *   schema: tenantIdentifier('tenant', tenantId), // tenant_acme
 * });
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

/** The length of the longest run of whole tokens of at most `room` chars. */
function wholeTokensWithin(encoded: string, room: number): number {
  let end = 0;
  while (end < encoded.length) {
    const next = end + (encoded[end] === '_' ? 2 : 1);
    if (next > room) break;
    end = next;
  }
  return end;
}

/** The first 130 bits of the SHA-256 of the id, in lower-case base32. */
function hashTenantId(tenantId: string): string {
  // One-shot `hash` costs about half of `createHash` (2.4 vs 4.7 us).
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
