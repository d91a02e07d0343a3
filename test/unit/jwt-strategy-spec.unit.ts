// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import * as jwt from 'jsonwebtoken';
import type {TenantRequest} from '../../src';
import {resolveOptions} from '../../src/options/resolve-options';
import type {JwtStrategyOptions} from '../../src/options/tenant-registry-options';
import {JwtTenantStrategy} from '../../src/resolution/jwt.strategy';

const SECRET = 'a secret of the tests';

describe('JwtTenantStrategy (specification)', () => {
  const inOneMinute = () => Math.floor(Date.now() / 1000) + 60;

  it('is the strategy the `strategies` option calls jwt', () => {
    expect(givenStrategy().name).to.equal('jwt');
  });

  it('reads the tenant from the configured claim', () => {
    const token = sign({tid: 'acme', tenant: 'globex', exp: inOneMinute()});
    expect(givenStrategy({claim: 'tid'}).resolve(bearer(token))).to.equal(
      'acme',
    );
    expect(givenStrategy().resolve(bearer(token))).to.equal('globex');
  });

  it('takes the token after any number of spaces, the scheme in any case', () => {
    const token = sign({tenant: 'acme', exp: inOneMinute()});
    for (const authorization of [
      `Bearer ${token}`,
      `bearer   ${token}`,
      `BEARER ${token}  `,
    ]) {
      expect(givenStrategy().resolve(request(authorization))).to.equal('acme');
    }
  });

  it('refuses a header with anything before the scheme', () => {
    const token = sign({tenant: 'acme', exp: inOneMinute()});
    for (const authorization of [`xBearer ${token}`, `Token Bearer ${token}`]) {
      expect(() => givenStrategy().resolve(request(authorization))).to.throw({
        code: 'INVALID_TENANT_TOKEN',
        message: /not "Bearer <token>"/,
      });
    }
  });

  it('refuses a token longer than maxTokenLength before verifying it', () => {
    const token = sign({tenant: 'acme', exp: inOneMinute()});
    expect(
      givenStrategy({maxTokenLength: token.length}).resolve(bearer(token)),
    ).to.equal('acme');
    expect(() =>
      givenStrategy({maxTokenLength: token.length - 1}).resolve(bearer(token)),
    ).to.throw({
      code: 'INVALID_TENANT_TOKEN',
      statusCode: 401,
      message: `The tenant token was refused: it is longer than ${
        token.length - 1
      } characters.`,
    });
  });

  it('refuses a token without an expiry unless allowMissingExpiry', () => {
    const token = sign({tenant: 'acme'});
    expect(() => givenStrategy().resolve(bearer(token))).to.throw({
      code: 'INVALID_TENANT_TOKEN',
      message: /it has no expiry \(exp\)/,
    });
    expect(
      givenStrategy({allowMissingExpiry: true}).resolve(bearer(token)),
    ).to.equal('acme');
  });

  it('refuses a token whose tenant claim is missing or not a string', () => {
    for (const claims of [{}, {tenant: 42}, {tenant: ['acme']}]) {
      const token = sign({...claims, exp: inOneMinute()});
      expect(() => givenStrategy().resolve(bearer(token))).to.throw({
        code: 'INVALID_TENANT_TOKEN',
        message: /its tenant claim is missing or not a string/,
      });
    }
  });

  it('refuses a signed payload that is not a JSON object', () => {
    const token = jwt.sign('acme', SECRET);
    expect(() =>
      givenStrategy({allowMissingExpiry: true}).resolve(bearer(token)),
    ).to.throw({
      code: 'INVALID_TENANT_TOKEN',
      message: /its payload is not a JSON object/,
    });
  });

  it('holds tokens to the pinned algorithms, the issuer and the audience', () => {
    const strategy = givenStrategy({
      algorithms: ['HS256'],
      issuer: 'https://issuer.example',
      audience: 'orders',
    });
    const claims = {tenant: 'acme', exp: inOneMinute()};
    const good = {issuer: 'https://issuer.example', audience: 'orders'};
    expect(strategy.resolve(bearer(sign(claims, good)))).to.equal('acme');
    for (const options of [
      {...good, algorithm: 'HS512' as const},
      {...good, issuer: 'https://elsewhere.example'},
      {...good, audience: 'billing'},
      {},
    ]) {
      expect(() => strategy.resolve(bearer(sign(claims, options)))).to.throw({
        code: 'INVALID_TENANT_TOKEN',
        message: 'The tenant token was refused: it could not be verified.',
      });
    }
  });

  it('says why a token was refused without naming the expected values', () => {
    const strategy = givenStrategy({issuer: 'https://issuer.example'});
    const expired = sign({tenant: 'acme', exp: 1});
    const early = sign({
      tenant: 'acme',
      exp: inOneMinute(),
      nbf: inOneMinute(),
    });
    const foreign = sign({tenant: 'acme', exp: inOneMinute()}, {issuer: 'x'});
    const reasons = [expired, early, foreign].map(token => {
      try {
        strategy.resolve(bearer(token)) as string | undefined;
      } catch (error: unknown) {
        return (error as Error).message;
      }
      return 'accepted';
    });
    expect(reasons).to.deepEqual([
      'The tenant token was refused: it has expired.',
      'The tenant token was refused: it is not valid yet.',
      'The tenant token was refused: it could not be verified.',
    ]);
  });

  function givenStrategy(jwtOptions: JwtStrategyOptions = {}) {
    const options = resolveOptions({
      strategies: ['jwt'],
      jwt: {secret: SECRET, ...jwtOptions},
    });
    return new JwtTenantStrategy(options.jwt!);
  }
});

function sign(payload: object, options: jwt.SignOptions = {}): string {
  return jwt.sign(payload, SECRET, options);
}

function bearer(token: string): TenantRequest {
  return request(`Bearer ${token}`);
}

function request(authorization: string): TenantRequest {
  return {headers: {authorization}, url: '/'};
}
