// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import jwt, {type Algorithm} from 'jsonwebtoken';
import {invalidTenantTokenError as refused} from '../errors';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
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
/** The tenant claim of a verified bearer token. @internal */
export class JwtTenantStrategy implements TenantResolutionStrategy {
  readonly name = 'jwt';
  private readonly key: string | Buffer;
  private readonly verifyOptions: jwt.VerifyOptions & {complete?: false};

  constructor(private readonly options: JwtOptions) {
    this.key = (options.secret ?? options.publicKey)!;
    this.verifyOptions = {
      algorithms: options.algorithms as Algorithm[],
      issuer: options.issuer,
      audience: options.audience,
    };
  }

  resolve(request: TenantRequest): TenantStrategyAnswer {
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
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.key, this.verifyOptions);
    } catch (error: unknown) {
      debug('token refused: %s', error);
      throw refused(publicReason(error));
    }
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
  return 'it could not be verified';
}
