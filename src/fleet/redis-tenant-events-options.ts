// Copyright loopback4-tenant-registry contributors. MIT License.

import {invalidOptionError} from '../errors';
import {ensure, OptionReader} from '../options/option-checks';
import {MIN_SIGNING_KEY_BYTES} from './message-signer';
import type {RedisConnectionOptions} from './redis-client';
import {INSTANCE_ID} from './tenant-event';

/** Options of `RedisTenantEvents`. */
export interface RedisTenantEventsOptions {
  /** A Redis URL (`redis://127.0.0.1:6379`) or connection options. */
  redis: string | RedisConnectionOptions;
  /**
   * Prefix of the keys: `<prefix>events` (a stream of events) and
   * `<prefix>suspended` (a hash: the tenants suspended fleet-wide).
   * @defaultValue `'tenant-registry:'`
   */
  prefix?: string;
  /**
   * How many events the stream keeps, approximately (`XADD ... MAXLEN ~`).
   * An instance away for longer than the fleet takes to publish that many
   * cannot know which evictions it missed: on its return it evicts every
   * tenant it holds. Suspensions never depend on it.
   * @defaultValue 10000
   */
  maxStreamLength?: number;
  /**
   * A shared secret (at least 32 bytes) with which every instance signs
   * what it writes (HMAC-SHA256) and checks what it reads: unsigned or
   * badly signed events and suspended entries are counted in `rejected` and
   * dropped. Without it, anyone who can write to Redis can evict, suspend
   * and resume tenants. Never logged.
   */
  signingKey?: string | Buffer;
  /**
   * How long `start()` (so `app.start()`) waits for the first sync, in
   * milliseconds. Past it the app starts out of sync (health `warning`)
   * and joins the fleet when Redis answers. 0 does not wait.
   * @defaultValue 5000
   */
  startTimeout?: number;
  /**
   * The cap of the backoff between reconnects and between retries of a
   * failed resync, in milliseconds (it starts at 50 ms and doubles).
   * @defaultValue 2000
   */
  maxRetryDelay?: number;
  /**
   * Names the two connections in `CLIENT LIST`: `<name>:commands` and
   * `<name>:events`. Printable ASCII, no spaces.
   * @defaultValue `'tenant-registry:<host>:<pid>:<random>'`
   */
  connectionName?: string;
}

const DEFAULTS = {
  RedisTenantEvents: {
    prefix: 'tenant-registry:',
    maxStreamLength: 10_000,
    startTimeout: 5000,
    maxRetryDelay: 2000,
    connectionName: `tenant-registry:${INSTANCE_ID}`.replace(
      /[^\x21-\x7e]/g,
      '_',
    ),
  },
};

/**
 * The options with defaults filled in, checked up front.
 *
 * @throws TenantRegistryError `INVALID_OPTION`, naming the option (never
 * showing the signing key).
 * @internal
 */
export function resolveRedisTenantEventsOptions(
  options: RedisTenantEventsOptions,
) {
  const read = new OptionReader(options, 'RedisTenantEvents', DEFAULTS);
  const {redis, signingKey} = read.given;
  const isRedis =
    typeof redis === 'string' || (typeof redis === 'object' && redis !== null);
  ensure(isRedis, 'RedisTenantEvents.redis', 'a URL or an object', redis);
  const key =
    typeof signingKey === 'string' ? Buffer.from(signingKey) : signingKey;
  if (
    key !== undefined &&
    (!Buffer.isBuffer(key) || key.length < MIN_SIGNING_KEY_BYTES)
  ) {
    throw invalidOptionError(
      'RedisTenantEvents.signingKey',
      `a string or Buffer of at least ${MIN_SIGNING_KEY_BYTES} bytes`,
      Buffer.isBuffer(key) ? `${key.length} bytes` : typeof key,
    );
  }
  return {
    redis,
    signingKey: key,
    prefix: read.text(
      'prefix',
      /^[\s\S]{0,256}$/,
      'a string of at most 256 characters',
    ),
    maxStreamLength: read.count('maxStreamLength'),
    startTimeout: read.duration('startTimeout', 0),
    maxRetryDelay: read.duration('maxRetryDelay', 1),
    connectionName: read.text(
      'connectionName',
      /^[\x21-\x7e]{1,200}$/,
      '1 to 200 printable ASCII characters without spaces',
    ),
  };
}
