// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import jwt, {type Algorithm} from 'jsonwebtoken';
import {
  invalidTenantTokenError as refused,
  TenantRegistryError,
} from '../errors';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import {RemoteKeySet} from './remote-key-set';
import type {
  TenantRequest,
  TenantResolutionStrategy,
  TenantStrategyAnswer,
} from './tenant-strategy';

const debug = debugFactory('loopback:tenant-registry:jwt');
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

type JwtOptions = NonNullable<ResolvedTenantRegistryOptions['jwt']>;

/** The token of `Authorization: Bearer <token>`, else `undefined`. @internal */
export function bearerTokenOf(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

// No Authorization header: no tenant (later strategies are asked only with
// `fallThroughWithoutToken`). Any other header that is not a verifiable token
// is a 401, never a fall-through; its reason never names what was expected.
// With a secret or a public key the answer is synchronous (jsonwebtoken);
// with a `jwksUrl` it is a promise (jose, keys fetched from the provider).
/** The tenant claim of a verified bearer token. @internal */
export class JwtTenantStrategy implements TenantResolutionStrategy {
  readonly name = 'jwt';
  private readonly key: string | Buffer | undefined;
  private readonly keySet: RemoteKeySet | undefined;
  private readonly verifyOptions: jwt.VerifyOptions & {complete?: false};

  /** @param now - The key set's clock, in ms (a test seam). */
  constructor(
    private readonly options: JwtOptions,
    now?: () => number,
  ) {
    this.key = options.secret ?? options.publicKey;
    this.verifyOptions = {
      algorithms: options.algorithms as Algorithm[],
      issuer: options.issuer,
      audience: options.audience,
    };
    if (options.jwksUrl !== undefined) {
      const {issuer, audience} = options;
      this.keySet = new RemoteKeySet(
        {
          url: options.jwksUrl,
          cacheMaxAge: options.jwksCacheMaxAge,
          cooldown: options.jwksCooldown,
          timeout: options.jwksTimeout,
          verify: {
            algorithms: [...options.algorithms],
            ...(issuer === undefined ? {} : {issuer}),
            ...(audience === undefined ? {} : {audience}),
          },
        },
        now,
      );
    }
  }

  resolve(
    request: TenantRequest,
  ): TenantStrategyAnswer | Promise<TenantStrategyAnswer> {
    const authorization = request.headers.authorization;
    if (authorization === undefined) {
      return this.options.fallThroughWithoutToken === true ? undefined : null;
    }
    const token = bearerTokenOf(authorization);
    if (token === undefined) {
      throw refused('the Authorization header is not "Bearer <token>"');
    }
    const maxLength = this.options.maxTokenLength ?? 8192;
    if (token.length > maxLength) {
      throw refused(`it is longer than ${maxLength} characters`);
    }
    if (this.keySet !== undefined) {
      return this.resolveRemote(this.keySet, token);
    }
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.key!, this.verifyOptions);
    } catch (error: unknown) {
      debug('token refused: %s', error);
      throw refused(publicReason(error));
    }
    return this.tenantOf(payload);
  }

  private async resolveRemote(
    keySet: RemoteKeySet,
    token: string,
  ): Promise<string> {
    let payload: jwt.JwtPayload;
    try {
      payload = await keySet.verify(token);
    } catch (error: unknown) {
      if (error instanceof TenantRegistryError) throw error; // keys: 503
      debug('token refused: %s', error);
      throw refused(publicReason(error));
    }
    return this.tenantOf(payload);
  }

  /** The tenant claim of a verified payload. */
  private tenantOf(payload: string | jwt.JwtPayload): string {
    if (typeof payload !== 'object') {
      throw refused('its payload is not a JSON object');
    }
    if (payload.exp === undefined && this.options.allowMissingExpiry !== true) {
      throw refused('it has no expiry (exp)');
    }
    const tenantId = payload[this.options.claim ?? 'tenant'];
    if (typeof tenantId !== 'string') {
      throw refused('its tenant claim is missing or not a string');
    }
    return tenantId;
  }
}

/** A reason safe to show a client: no expected values, no key material. */
function publicReason(error: unknown): string {
  if (error instanceof jwt.TokenExpiredError) return 'it has expired';
  if (error instanceof jwt.NotBeforeError) return 'it is not valid yet';
  // jose's errors, by their documented codes.
  const {code, claim, reason} = (error ?? {}) as Record<string, unknown>;
  if (code === 'ERR_JWT_EXPIRED') return 'it has expired';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'nbf') {
    if (reason === 'check_failed') return 'it is not valid yet';
  }
  return 'it could not be verified';
}
