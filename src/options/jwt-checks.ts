// Copyright loopback4-tenant-registry contributors. MIT License.

import {ensure, type Check} from './option-checks';

/**
 * The algorithms a key from a JWKS may verify: asymmetric ones only. An
 * `HS*` algorithm would make the published (public) key an HMAC secret
 * anyone can sign with.
 */
const JWKS_ALGORITHMS = new Set([
  ...['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  ...['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'],
]);

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether `value` can be a JWKS URL: `https:`, or `http:` on a loopback host
 * only (anyone on the path of a plain HTTP fetch could publish keys and sign
 * tokens for any tenant), and no user name or password in it.
 */
function isJwksUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  const isSecure =
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname));
  return isSecure && url.username === '' && url.password === '';
}

/** The `jwt.jwksUrl` option (see {@link isJwksUrl}). */
export const jwksUrl: Check = (name, value) => {
  // A URL with credentials is not shown: it holds a secret.
  const hasCredentials = /\/\/[^/]*@/.test(String(value));
  ensure(
    isJwksUrl(value),
    name,
    'an https: URL without credentials (http: only on localhost, 127.0.0.1 or [::1])',
    hasCredentials ? '(a URL with credentials)' : value,
  );
};

/**
 * Check the key source of resolved `jwt` options: exactly one of `secret`,
 * `publicKey` (both together are accepted, as before: the secret wins) and
 * `jwksUrl`, which takes asymmetric algorithms only; `INVALID_OPTION` if not.
 */
export function checkJwtKeySource(jwt: Record<string, unknown>): void {
  const {secret, publicKey} = jwt;
  if (jwt.jwksUrl === undefined) {
    ensure(
      !!secret || !!publicKey,
      'jwt',
      'a `secret` or a `publicKey` (or a `jwksUrl`) when the jwt strategy is listed',
      jwt,
    );
    return;
  }
  ensure(
    secret === undefined && publicKey === undefined,
    'jwt',
    'one key source: a `jwksUrl`, or a `secret` or `publicKey`, not both',
    ['secret', 'publicKey', 'jwksUrl']
      .filter(key => jwt[key] !== undefined)
      .join(', '),
  );
  const algorithms = jwt.algorithms as string[];
  const refused = algorithms.find(name => !JWKS_ALGORITHMS.has(name));
  ensure(
    refused === undefined,
    'jwt.algorithms',
    `asymmetric algorithms with \`jwksUrl\` (${[...JWKS_ALGORITHMS].join(', ')})`,
    refused,
  );
}
