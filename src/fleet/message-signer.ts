// Copyright loopback4-tenant-registry contributors. MIT License.

import {createHmac, timingSafeEqual} from 'node:crypto';

/** The shortest signing key accepted, in bytes (HMAC-SHA256's block is 64). */
export const MIN_SIGNING_KEY_BYTES = 32;

/** What a signature vouches for: each signs a different text. */
type Purpose = 'event' | 'suspended';

/**
 * HMAC-SHA256 signatures over what instances write to Redis, checked in
 * constant time.
 *
 * @internal
 */
export class MessageSigner {
  private readonly key: Buffer;

  constructor(key: string | Buffer) {
    this.key = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  }

  sign(purpose: Purpose, text: string): string {
    return createHmac('sha256', this.key)
      .update(`${purpose}\n${text}`)
      .digest('base64url');
  }

  /** Whether `signature` (untrusted: read from Redis) is `text`'s. */
  verify(purpose: Purpose, text: string, signature: unknown): boolean {
    if (typeof signature !== 'string') return false;
    const expected = Buffer.from(this.sign(purpose, text));
    const presented = Buffer.from(signature);
    return (
      presented.length === expected.length &&
      timingSafeEqual(presented, expected)
    );
  }
}
