// Copyright loopback4-tenant-registry contributors. MIT License.

import {invalidOptionError} from '../errors';
import {count, ms} from '../options/option-checks';
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

/** The defaults of the optional options (`signingKey` has none). */
const DEFAULTS = {
  prefix: 'tenant-registry:',
  maxStreamLength: 10_000,
  startTimeout: 5000,
  maxRetryDelay: 2000,
  connectionName: `tenant-registry:${INSTANCE_ID}`.replace(
    /[^\x21-\x7e]/g,
    '_',
  ),
};

/** The options with defaults filled in and checked. @internal */
export type ResolvedRedisTenantEventsOptions = Required<
  Omit<RedisTenantEventsOptions, 'signingKey'>
> & {signingKey: Buffer | undefined};

/**
 * Fill in the defaults and reject bad values up front.
 *
 * @throws TenantRegistryError `INVALID_OPTION`, naming the option (never
 * showing the signing key).
 * @internal
 */
export function resolveRedisTenantEventsOptions(
  options: RedisTenantEventsOptions,
): ResolvedRedisTenantEventsOptions {
  const name = (option: string) => `RedisTenantEvents.${option}`;
  const resolved = {
    redis: options.redis,
    prefix: options.prefix ?? DEFAULTS.prefix,
    maxStreamLength: options.maxStreamLength ?? DEFAULTS.maxStreamLength,
    signingKey:
      typeof options.signingKey === 'string'
        ? Buffer.from(options.signingKey)
        : options.signingKey,
    startTimeout: options.startTimeout ?? DEFAULTS.startTimeout,
    maxRetryDelay: options.maxRetryDelay ?? DEFAULTS.maxRetryDelay,
    connectionName: options.connectionName ?? DEFAULTS.connectionName,
  };
  const {redis, prefix, signingKey: key, connectionName} = resolved;
  if (
    typeof redis !== 'string' &&
    (redis === null || typeof redis !== 'object')
  ) {
    throw invalidOptionError(name('redis'), 'a URL or an object', redis);
  }
  if (typeof prefix !== 'string' || prefix.length > 256) {
    const expected = 'a string of at most 256 characters';
    throw invalidOptionError(name('prefix'), expected, prefix);
  }
  count()(name('maxStreamLength'), resolved.maxStreamLength);
  if (
    key !== undefined &&
    (!Buffer.isBuffer(key) || key.length < MIN_SIGNING_KEY_BYTES)
  ) {
    throw invalidOptionError(
      name('signingKey'),
      `a string or Buffer of at least ${MIN_SIGNING_KEY_BYTES} bytes`,
      Buffer.isBuffer(key) ? `${key.length} bytes` : typeof key,
    );
  }
  ms(0)(name('startTimeout'), resolved.startTimeout);
  ms(1)(name('maxRetryDelay'), resolved.maxRetryDelay);
  if (
    typeof connectionName !== 'string' ||
    !/^[\x21-\x7e]{1,200}$/.test(connectionName)
  ) {
    const expected = '1 to 200 printable ASCII characters without spaces';
    throw invalidOptionError(name('connectionName'), expected, connectionName);
  }
  return resolved;
}
