// Copyright loopback4-tenant-registry contributors. MIT License.

import jwt, {type Algorithm} from 'jsonwebtoken';
import {invalidTenantTokenError} from '../errors';
import type {JwtStrategyOptions} from '../types';
import type {TenantRequest, TenantResolutionStrategy} from './tenant-strategy';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Reads the tenant from a claim of a bearer token that it verifies with the
 * configured secret or public key and pinned algorithms.
 *
 * @remarks
 * A request without a bearer token names no tenant (the next strategy is
 * tried). A bearer token that does not verify (bad signature, `alg: none`,
 * an algorithm not pinned, expired, not yet valid, wrong issuer or audience,
 * too long) or whose claim is missing or not a string is refused with
 * `INVALID_TENANT_TOKEN`; it is never decoded without verification.
 * Verification uses the `jsonwebtoken` library.
 */
export class JwtTenantStrategy implements TenantResolutionStrategy {
  readonly name = 'jwt';
  private readonly key: string | Buffer;
  private readonly verifyOptions: jwt.VerifyOptions & {complete?: false};
  private readonly claim: string;
  private readonly maxTokenLength: number;

  constructor(options: JwtStrategyOptions) {
    const key = options.secret ?? options.publicKey;
    if (!key) throw new TypeError('JwtTenantStrategy needs a secret or key');
    this.key = key;
    const algorithms = (options.algorithms ?? [
      options.secret ? 'HS256' : 'RS256',
    ]) as Algorithm[];
    if (algorithms.some(a => a.toLowerCase() === 'none')) {
      throw new TypeError('JwtTenantStrategy never accepts alg "none"');
    }
    this.verifyOptions = {
      algorithms,
      issuer: options.issuer,
      audience: options.audience,
    };
    this.claim = options.claim ?? 'tenant';
    this.maxTokenLength = options.maxTokenLength ?? 8192;
  }

  resolve(request: TenantRequest): string | undefined {
    const authorization = request.headers.authorization;
    if (authorization === undefined) return undefined;
    const match = BEARER.exec(authorization);
    if (match === null) return undefined;
    const token = match[1];
    if (token.length > this.maxTokenLength) {
      throw invalidTenantTokenError(
        `it is longer than ${this.maxTokenLength} characters`,
      );
    }
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.key, this.verifyOptions);
    } catch (error: unknown) {
      throw invalidTenantTokenError(describeJwtError(error));
    }
    const tenantId =
      typeof payload === 'object' ? payload[this.claim] : undefined;
    if (typeof tenantId !== 'string') {
      throw invalidTenantTokenError(
        `its "${this.claim}" claim is missing or not a string`,
      );
    }
    return tenantId;
  }
}

function describeJwtError(error: unknown): string {
  if (error instanceof jwt.TokenExpiredError) return 'it has expired';
  if (error instanceof jwt.NotBeforeError) return 'it is not valid yet';
  if (error instanceof jwt.JsonWebTokenError) return error.message;
  return 'it could not be verified';
}
