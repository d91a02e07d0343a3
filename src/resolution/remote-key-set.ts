// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import type {
  FlattenedJWSInput,
  JWSHeaderParameters,
  JWTPayload,
  JWTVerifyOptions,
  RemoteJWKSet,
} from 'jose';
import {invalidOptionError, tenantKeysUnavailableError} from '../errors';
import type {Milliseconds} from '../registry/tenant-scopes';

const debug = debugFactory('loopback:tenant-registry:jwks');

type Jose = typeof import('jose');

/** What a {@link RemoteKeySet} fetches, and how often. @internal */
export interface RemoteKeySetSettings {
  url: string;
  cacheMaxAge: Milliseconds;
  cooldown: Milliseconds;
  timeout: Milliseconds;
  /** Pinned, as for `jwtVerify`. */
  verify: Pick<JWTVerifyOptions, 'algorithms' | 'issuer' | 'audience'>;
}

/**
 * An identity provider's JSON Web Key Set, fetched on first use, cached, and
 * fetched again when it is older than `cacheMaxAge` (in the background) or a
 * token names a `kid` it lacks, never twice within `cooldown`. A failed
 * fetch keeps the keys at hand; a token that needs another key then gets 503
 * `TENANT_KEYS_UNAVAILABLE`, never a 401 that blames the client.
 * @internal
 */
export class RemoteKeySet {
  private readonly jose: Jose;
  private readonly remote: RemoteJWKSet;
  private hasKeys = false;
  /** Whether the last fetch failed (the keys at hand may be out of date). */
  private hasFailed = false;
  private lastAttempt = -Infinity;
  private lastSuccess = -Infinity;
  private pending: Promise<void> | undefined;

  /** @param now - The clock, in ms (a test seam). */
  constructor(
    private readonly settings: RemoteKeySetSettings,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.jose = loadJose();
    // jose's own freshness rules would fetch on every unknown kid once its
    // cooldown (counted from the last success only) is over, and fail every
    // token once the keys are older than its max age while the provider is
    // down: with both at Infinity it never fetches by itself after the first
    // load, and `refresh()` decides.
    this.remote = this.jose.createRemoteJWKSet(new URL(settings.url), {
      timeoutDuration: Math.ceil(settings.timeout),
      cacheMaxAge: Infinity,
      cooldownDuration: Infinity,
    });
  }

  /** The verified claims of `token`; rejects with jose's error or ours (503). */
  async verify(token: string): Promise<JWTPayload> {
    const verified = await this.jose.jwtVerify(
      token,
      this.getKey,
      this.settings.verify,
    );
    return verified.payload;
  }

  private readonly getKey = async (
    header: JWSHeaderParameters,
    token: FlattenedJWSInput,
  ) => {
    if (!this.hasKeys) {
      await this.refresh();
      if (!this.hasKeys) throw this.unavailable();
    } else if (this.now() - this.lastSuccess >= this.settings.cacheMaxAge) {
      // In the background (it never rejects): this token uses the keys at hand.
      this.refresh().catch(() => {});
    }
    try {
      return await this.remote(header, token);
    } catch (error: unknown) {
      if (codeOf(error) !== 'ERR_JWKS_NO_MATCHING_KEY') throw this.blame(error);
    }
    await this.refresh(); // does nothing within the cooldown
    if (this.hasFailed) throw this.unavailable();
    try {
      return await this.remote(header, token);
    } catch (error: unknown) {
      throw this.blame(error);
    }
  };

  /** Fetch the key set unless one fetch is running or within the cooldown. */
  private refresh(): Promise<void> {
    if (this.pending !== undefined) return this.pending;
    const startedAt = this.now();
    if (startedAt - this.lastAttempt < this.settings.cooldown) {
      return Promise.resolve();
    }
    this.lastAttempt = startedAt;
    const fetched = this.remote.reload().then(
      () => {
        this.hasKeys = true;
        this.hasFailed = false;
        this.lastSuccess = this.now();
      },
      (error: unknown) => {
        this.hasFailed = true;
        debug('fetching %s failed: %s', this.settings.url, error);
      },
    );
    this.pending = fetched.finally(() => (this.pending = undefined));
    return this.pending;
  }

  /**
   * A key set that has no key for the token's `kid` (after asking the
   * provider), or several for a token without one, refuses the token (401);
   * any other failure is the provider's (a key it publishes that cannot be
   * imported): 503.
   */
  private blame(error: unknown): unknown {
    const code = codeOf(error);
    return code === 'ERR_JWKS_NO_MATCHING_KEY' ||
      code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS'
      ? error
      : this.unavailable(error);
  }

  /** 503, to retry when the next fetch is allowed. */
  private unavailable(cause?: unknown) {
    const wait = this.lastAttempt + this.settings.cooldown - this.now();
    return tenantKeysUnavailableError(
      Math.max(1, Math.ceil(wait / 1000)),
      cause,
    );
  }
}

function codeOf(error: unknown): unknown {
  return (error as {code?: unknown} | undefined)?.code;
}

// Required here: only apps with a `jwksUrl` load jose, an ES module that
// require() loads on Node 20.19+, 22.12+ and 24+.
function loadJose(): Jose {
  try {
    return require('jose');
  } catch (error: unknown) {
    debug('loading jose failed: %s', error);
    throw invalidOptionError(
      'jwt.jwksUrl',
      'a Node.js that can require() ES modules (20.19+, 22.12+ or 24+), as jose (which fetches the keys) is one',
      process.version,
    );
  }
}
