// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {TenantRegistryError} from '../../src';
import {resolveOptions} from '../../src/options/resolve-options';
import type {JwtStrategyOptions} from '../../src/options/tenant-registry-options';
import {JwtTenantStrategy} from '../../src/resolution/jwt.strategy';
import {
  givenJwksServer,
  givenProviderKey,
  signToken,
  type JwksServer,
  type ProviderKey,
} from '../fixtures/jwks-server';
import {givenManualClock, type ManualClock} from '../fixtures/manual-clock';
import {waitFor} from '../fixtures/async';

const COOLDOWN = 30_000;
const MAX_AGE = 600_000;

// The key set's timing, with a manual clock and a real provider on
// 127.0.0.1: what is fetched when, counted at the provider.
describe('JwtTenantStrategy with a jwksUrl (timing, integration)', () => {
  let provider: JwksServer;
  let clock: ManualClock;
  let current: ProviderKey;
  let next: ProviderKey;

  before(async () => {
    current = await givenProviderKey('RS256');
    next = await givenProviderKey('ES256');
  });

  beforeEach(async () => {
    provider = await givenJwksServer(current);
    clock = givenManualClock(0);
  });

  afterEach(() => provider.stop());

  it('fetches at most once per cooldown while tokens name unknown kids', async () => {
    const strategy = givenStrategy();
    const unknown = () =>
      signToken(next, {tenant: 'acme'}, `kid-${Math.random()}`);
    for (const elapsed of [0, COOLDOWN - 1]) {
      clock.time = elapsed;
      for (let i = 0; i < 5; i++) await refusal(strategy, await unknown());
    }
    expect(provider.requests).to.equal(1);
    clock.time = COOLDOWN;
    for (let i = 0; i < 5; i++) await refusal(strategy, await unknown());
    expect(provider.requests).to.equal(2);
  });

  it('picks up a rotated key once the cooldown since the last fetch is over', async () => {
    const strategy = givenStrategy();
    expect(await strategy.resolve(await bearer(current, 'acme'))).to.equal(
      'acme',
    );
    provider.published = [current, next];
    const rotated = await bearer(next, 'globex');
    clock.time = COOLDOWN - 1;
    expect((await refusal(strategy, rotated)).code).to.equal(
      'INVALID_TENANT_TOKEN',
    );
    clock.time = COOLDOWN;
    expect(await strategy.resolve(rotated)).to.equal('globex');
    expect(provider.requests).to.equal(2);
  });

  it('fetches keys older than jwksCacheMaxAge again, dropping the ones no longer published', async () => {
    const strategy = givenStrategy();
    const old = await bearer(current, 'acme');
    expect(await strategy.resolve(old)).to.equal('acme');
    provider.published = [next];
    clock.time = MAX_AGE;
    // This request starts the fetch in the background and uses the keys at hand.
    expect(await strategy.resolve(old)).to.equal('acme');
    await waitFor(() => provider.requests === 2);
    // A token with the new kid waits for that fetch.
    expect(await strategy.resolve(await bearer(next, 'globex'))).to.equal(
      'globex',
    );
    expect((await refusal(strategy, old)).code).to.equal(
      'INVALID_TENANT_TOKEN',
    );
    expect(provider.requests).to.equal(2);
  });

  it('keeps verifying with the cached keys while the provider is down, retrying once per cooldown', async () => {
    const strategy = givenStrategy();
    const cached = await bearer(current, 'acme');
    expect(await strategy.resolve(cached)).to.equal('acme');
    provider.mode = 'error';
    for (const elapsed of [MAX_AGE, MAX_AGE + 1, MAX_AGE + COOLDOWN]) {
      clock.time = elapsed;
      expect(await strategy.resolve(cached)).to.equal('acme');
      const refused = await refusal(strategy, await bearer(next, 'globex'));
      expect(refused).to.containDeep({
        code: 'TENANT_KEYS_UNAVAILABLE',
        statusCode: 503,
      });
    }
    expect(provider.requests).to.equal(3); // the first fetch, then one per cooldown
  });

  it('says in Retry-After when the next fetch is allowed', async () => {
    provider.mode = 'error';
    const strategy = givenStrategy();
    const token = await bearer(current, 'acme');
    expect((await refusal(strategy, token)).retryAfter).to.equal(30);
    clock.time = 20_500;
    expect((await refusal(strategy, token)).retryAfter).to.equal(10);
    clock.time = COOLDOWN - 1;
    expect((await refusal(strategy, token)).retryAfter).to.equal(1);
    expect(provider.requests).to.equal(1);
  });

  it('asks the provider once for many tokens that arrive before its answer', async () => {
    const strategy = givenStrategy();
    const tokens = await Promise.all(
      ['a', 'b', 'c', 'd'].map(tenant => bearer(current, tenant)),
    );
    const tenants = await Promise.all(tokens.map(t => strategy.resolve(t)));
    expect(tenants).to.deepEqual(['a', 'b', 'c', 'd']);
    expect(provider.requests).to.equal(1);
  });

  it('verifies a token without a kid with the one key that fits, and refuses it (401) when several do', async () => {
    const strategy = givenStrategy();
    const token = await signToken(current, {tenant: 'acme'}, null);
    const request = {headers: {authorization: `Bearer ${token}`}, url: '/'};
    expect(await strategy.resolve(request)).to.equal('acme');
    provider.published = [current, await givenProviderKey('RS256')];
    clock.time = MAX_AGE;
    await refusal(strategy, await bearer(next, 'globex')); // fetched again
    expect((await refusal(strategy, token)).code).to.equal(
      'INVALID_TENANT_TOKEN',
    );
    expect(provider.requests).to.equal(2);
  });

  function givenStrategy(jwt: Partial<JwtStrategyOptions> = {}) {
    const options = resolveOptions({
      strategies: ['jwt'],
      jwt: {jwksUrl: provider.url, algorithms: ['RS256', 'ES256'], ...jwt},
    });
    return new JwtTenantStrategy(options.jwt!, () => clock.time);
  }
});

async function bearer(key: ProviderKey, tenant: string) {
  const token = await signToken(key, {tenant});
  return {headers: {authorization: `Bearer ${token}`}, url: '/'};
}

/** The error `strategy` refuses `request` with. */
async function refusal(
  strategy: JwtTenantStrategy,
  request: string | {headers: {authorization: string}; url: string},
): Promise<TenantRegistryError> {
  const asRequest =
    typeof request === 'string'
      ? {headers: {authorization: `Bearer ${request}`}, url: '/'}
      : request;
  try {
    await strategy.resolve(asRequest);
  } catch (error: unknown) {
    expect(error).to.be.instanceOf(TenantRegistryError);
    return error as TenantRegistryError;
  }
  throw new Error('expected the token to be refused');
}
