// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {TenantRegistryBindings, TenantRegistryErrorCodes} from '../../src';
import {resolveOptions} from '../../src/options/resolve-options';
import {mount, refusal} from '../fixtures/component-options';

const URL = 'https://idp.example/.well-known/jwks.json';

describe('jwt options with a jwksUrl (unit)', () => {
  const refused: [string, object, string][] = [
    [
      'a jwksUrl with a secret',
      {jwksUrl: URL, secret: 's'},
      'Invalid option `jwt`: expected one key source: a `jwksUrl`, or a `secret` or `publicKey`, not both, got "secret, jwksUrl"',
    ],
    [
      'a jwksUrl with a publicKey',
      {jwksUrl: URL, publicKey: 'pem'},
      'Invalid option `jwt`: expected one key source: a `jwksUrl`, or a `secret` or `publicKey`, not both, got "publicKey, jwksUrl"',
    ],
    [
      'a jwksUrl that is not a URL',
      {jwksUrl: 'idp.example/jwks.json'},
      'Invalid option `jwt.jwksUrl`: expected an https: URL without credentials (http: only on localhost, 127.0.0.1 or [::1]), got "idp.example/jwks.json"',
    ],
    [
      'a jwksUrl that is not a string',
      {jwksUrl: new global.URL(URL)},
      'Invalid option `jwt.jwksUrl`: expected an https: URL without credentials (http: only on localhost, 127.0.0.1 or [::1]), got an object',
    ],
    [
      'an http: jwksUrl on a host that is not loopback',
      {
        jwksUrl:
          'http://keycloak:8080/realms/shop/protocol/openid-connect/certs',
      },
      'Invalid option `jwt.jwksUrl`: expected an https: URL without credentials (http: only on localhost, 127.0.0.1 or [::1]), got "http://keycloak:8080/realms/shop/protoco... (62 characters)"',
    ],
    [
      'a jwksUrl with credentials, not shown',
      {jwksUrl: 'https://user:hunter2@idp.example/jwks.json'},
      'Invalid option `jwt.jwksUrl`: expected an https: URL without credentials (http: only on localhost, 127.0.0.1 or [::1]), got "(a URL with credentials)"',
    ],
    [
      'an HMAC algorithm with a jwksUrl',
      {jwksUrl: URL, algorithms: ['RS256', 'HS256']},
      'Invalid option `jwt.algorithms`: expected asymmetric algorithms with `jwksUrl` (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519), got "HS256"',
    ],
    [
      'alg none with a jwksUrl',
      {jwksUrl: URL, algorithms: ['none']},
      'Invalid option `jwt.algorithms`: expected a non-empty list of signing algorithms without "none", got an array of 1',
    ],
    [
      'a negative jwksCooldown',
      {jwksUrl: URL, jwksCooldown: -1},
      'Invalid option `jwt.jwksCooldown`: expected a number of milliseconds of at least 0, got -1',
    ],
    [
      'a jwksTimeout of 0',
      {jwksUrl: URL, jwksTimeout: 0},
      'Invalid option `jwt.jwksTimeout`: expected a number of milliseconds of at least 1, got 0',
    ],
    [
      'a jwksCacheMaxAge of 0',
      {jwksUrl: URL, jwksCacheMaxAge: 0},
      'Invalid option `jwt.jwksCacheMaxAge`: expected a number of milliseconds of at least 1 or Infinity, got 0',
    ],
    [
      'a misspelled knob',
      {jwksUrl: URL, jwksCoolDown: 1000},
      'Invalid option `jwt.jwksCoolDown`: expected a known option (did you mean `jwt.jwksCooldown`?), got 1000',
    ],
  ];
  for (const [title, jwt, message] of refused) {
    it(`refuses ${title} at app.component()`, () => {
      const error = refusal({strategies: ['jwt'], jwt});
      expect(error.code).to.equal(TenantRegistryErrorCodes.INVALID_OPTION);
      expect(error.message).to.equal(message);
    });
  }

  it('defaults to RS256, a 10-minute cache, a 30-second cooldown and a 5-second timeout', () => {
    const jwt = resolveOptions({strategies: ['jwt'], jwt: {jwksUrl: URL}}).jwt;
    expect(jwt).to.containDeep({
      jwksUrl: URL,
      algorithms: ['RS256'],
      jwksCacheMaxAge: 600_000,
      jwksCooldown: 30_000,
      jwksTimeout: 5_000,
    });
  });

  it('accepts http: on a loopback host, and asymmetric algorithms', () => {
    for (const jwksUrl of [
      'http://localhost:8080/certs',
      'http://127.0.0.1:8080/certs',
      'http://[::1]:8080/certs',
      URL,
    ]) {
      const app = mount({
        strategies: ['jwt'],
        jwt: {jwksUrl, algorithms: ['RS256', 'PS256', 'ES384', 'EdDSA']},
      });
      expect(app.isBound(TenantRegistryBindings.OPTIONS)).to.be.true();
    }
  });

  it('keeps a secret with a publicKey working as before (the secret wins)', () => {
    const jwt = resolveOptions({
      strategies: ['jwt'],
      jwt: {secret: 's', publicKey: 'pem'},
    }).jwt;
    expect(jwt?.algorithms).to.deepEqual(['HS256']);
  });
});
