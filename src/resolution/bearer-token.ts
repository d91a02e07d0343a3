// Copyright loopback4-tenant-registry contributors. MIT License.

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

/**
 * The token of an `Authorization: Bearer <token>` header (one run of
 * visible ASCII), or `undefined` when the header is absent or is anything
 * else (`Bearer`, `Bearer a b`, `Basic ...`).
 *
 * @param header - The `authorization` header value.
 * @internal
 */
export function bearerTokenOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return BEARER.exec(header)?.[1];
}
