// Copyright loopback4-tenant-registry contributors. MIT License.

import {createHmac, timingSafeEqual} from 'node:crypto';

/** The shortest signing key accepted, in bytes (HMAC-SHA256's block is 64). */
export const MIN_SIGNING_KEY_BYTES = 32;

/**
 * What a signature vouches for. Each purpose signs a different text, so a
 * signature lifted from one kind of record never verifies as another.
 */
export type SignedPurpose = 'event' | 'suspended';

/**
 * HMAC-SHA256 signatures over what instances write to Redis, checked in
 * constant time.
 *
 * @internal
 */
export class MessageSigner {
  private readonly key: Buffer;

  /** @param key - The shared secret (at least 32 bytes; never logged). */
  constructor(key: string | Buffer) {
    this.key = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  }

  /** The signature of `text` for `purpose`, as base64url. */
  sign(purpose: SignedPurpose, text: string): string {
    return createHmac('sha256', this.key)
      .update(`${purpose}\n${text}`)
      .digest('base64url');
  }

  /**
   * Whether `signature` is the signature of `text` for `purpose`.
   *
   * @param signature - Untrusted: anything read from Redis.
   */
  verify(purpose: SignedPurpose, text: string, signature: unknown): boolean {
    if (typeof signature !== 'string') return false;
    const expected = Buffer.from(this.sign(purpose, text));
    const presented = Buffer.from(signature);
    return (
      presented.length === expected.length &&
      timingSafeEqual(presented, expected)
    );
  }
}
