// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect, type Client} from '@loopback/testlab';
import {SignJWT} from 'jose';
import type {TenantRegistryOptions} from '../../src';
import {
  givenJwksServer,
  givenProviderKey,
  signHs256,
  signToken,
  type JwksServer,
  type ProviderKey,
} from '../fixtures/jwks-server';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

type JwtOptions = NonNullable<TenantRegistryOptions['jwt']>;

describe('tokens from an identity provider (JWKS, acceptance)', () => {
  let app: TenantTestApp | undefined;
  let client: Client;
  let provider: JwksServer;
  let rsKey: ProviderKey;
  let esKey: ProviderKey;
  /** A key the provider does not publish (yet). */
  let unpublished: ProviderKey;

  before(async () => {
    rsKey = await givenProviderKey('RS256');
    esKey = await givenProviderKey('ES256');
    unpublished = await givenProviderKey('RS256');
  });

  beforeEach(async () => {
    provider = await givenJwksServer(rsKey, esKey);
  });

  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await provider.stop();
  });

  it('verifies RS256 and ES256 tokens with the published keys and gives their tenant', async () => {
    await given();
    const rs = await signToken(rsKey, {tenant: 'acme'});
    const es = await signToken(esKey, {tenant: 'globex'});
    expect((await answer(rs)).body.method).to.equal('acme');
    expect((await answer(es)).body.method).to.equal('globex');
    expect((await answer(rs)).body.method).to.equal('acme');
    expect(provider.requests).to.equal(1); // fetched once, then cached
  });

  it('keeps every rule of the jwt strategy: exp required, the claim, 401 reasons', async () => {
    await given({claim: 'org', issuer: 'https://idp.example/'});
    const good = {org: 'acme', iss: 'https://idp.example/'};
    expect((await answer(await signToken(rsKey, good))).body.method).to.equal(
      'acme',
    );
    const refused: [Record<string, unknown>, string][] = [
      [{...good, exp: 1}, 'it has expired'],
      [{...good, nbf: 4102444800}, 'it is not valid yet'],
      [{...good, iss: 'https://other.example/'}, 'it could not be verified'],
      [{iss: good.iss}, 'its tenant claim is missing or not a string'],
    ];
    for (const [claims, reason] of refused) {
      const res = await answer(await signToken(rsKey, claims), 401);
      expect(res.body.error).to.containDeep({
        code: 'INVALID_TENANT_TOKEN',
        message: `The tenant token was refused: ${reason}.`,
      });
    }
  });

  it('refuses a token without an exp unless allowMissingExpiry', async () => {
    await given();
    const token = await new SignJWT({tenant: 'acme'})
      .setProtectedHeader({alg: 'RS256', kid: rsKey.kid})
      .sign(rsKey.privateKey);
    expect((await answer(token, 401)).body.error.message).to.match(/no expiry/);
    await app?.stop();
    await given({allowMissingExpiry: true});
    expect((await answer(token)).body.method).to.equal('acme');
  });

  it('picks up a rotated key: a token with a newly published kid verifies', async () => {
    await given({jwksCooldown: 0});
    expect(
      (await answer(await signToken(rsKey, {tenant: 'acme'}))).status,
    ).to.equal(200);
    const token = await signToken(unpublished, {tenant: 'acme'});
    await answer(token, 401); // not published yet
    provider.published = [rsKey, esKey, unpublished];
    expect((await answer(token)).body.method).to.equal('acme');
    expect(provider.requests).to.equal(3);
  });

  it('fetches the keys at most once per cooldown, whatever kids a flood of tokens names', async () => {
    await given();
    const flood = async () => {
      const tokens = await Promise.all(
        Array.from({length: 25}, (_, i) =>
          signToken(unpublished, {tenant: 'acme'}, `random-kid-${i}`),
        ),
      );
      const answers = await Promise.all(tokens.map(t => answer(t, 401)));
      for (const res of answers) {
        expect(res.body.error.code).to.equal('INVALID_TENANT_TOKEN');
      }
    };
    await flood();
    await flood();
    expect(provider.requests).to.equal(1);
  });

  it('refuses a wrong signature, alg none and an HS256 token signed with the public key (401)', async () => {
    await given();
    await answer(await signToken(rsKey, {tenant: 'acme'}));
    const claims = {tenant: 'acme', exp: Math.floor(Date.now() / 1000) + 600};
    const encode = (value: object) =>
      Buffer.from(JSON.stringify(value)).toString('base64url');
    const forged = [
      // Signed by another key under the published kid.
      await signToken(unpublished, {tenant: 'acme'}, rsKey.kid),
      `${encode({alg: 'none', kid: rsKey.kid})}.${encode(claims)}.`,
      signHs256({alg: 'HS256', kid: rsKey.kid}, claims, rsKey.publicPem),
      signHs256(
        {alg: 'HS256', kid: rsKey.kid},
        claims,
        JSON.stringify(rsKey.publicJwk),
      ),
    ];
    for (const token of forged) {
      expect((await answer(token, 401)).body.error).to.containDeep({
        code: 'INVALID_TENANT_TOKEN',
        message: 'The tenant token was refused: it could not be verified.',
      });
    }
    expect(provider.requests).to.equal(1); // none of them made us fetch
  });

  it('answers 503 TENANT_KEYS_UNAVAILABLE for a new kid while the provider is down, 200 for a cached one', async () => {
    await given({jwksCooldown: 0});
    const cached = await signToken(rsKey, {tenant: 'acme'});
    expect((await answer(cached)).body.method).to.equal('acme');
    await provider.stop();
    const res = await answer(
      await signToken(unpublished, {tenant: 'acme'}),
      503,
    );
    expect(res.body.error).to.deepEqual({
      statusCode: 503,
      message: 'Service Unavailable',
      code: 'TENANT_KEYS_UNAVAILABLE',
    });
    expect(res.headers['retry-after']).to.equal('1');
    expect((await answer(cached)).body.method).to.equal('acme');
  });

  it('answers 503 with a Retry-After until the next fetch when the provider fails from the start', async () => {
    provider.mode = 'error';
    await given();
    const token = await signToken(rsKey, {tenant: 'acme'});
    for (let i = 0; i < 5; i++) {
      const res = await answer(token, 503);
      expect(res.body.error.code).to.equal('TENANT_KEYS_UNAVAILABLE');
      // Seconds left of the 30-second cooldown.
      expect(Number(res.headers['retry-after'])).to.be.within(1, 30);
    }
    expect(provider.requests).to.equal(1);
  });

  it('answers 503 after jwksTimeout when the provider never answers', async () => {
    provider.mode = 'hang';
    await given({jwksTimeout: 200});
    const res = await answer(await signToken(rsKey, {tenant: 'acme'}), 503);
    expect(res.body.error.code).to.equal('TENANT_KEYS_UNAVAILABLE');
    expect(provider.requests).to.equal(1);
  });

  for (const mode of ['garbage', 'not-a-key-set'] as const) {
    it(`answers 503 when the provider answers ${mode}, and verifies once it is fixed`, async () => {
      provider.mode = mode;
      await given({jwksCooldown: 0});
      const token = await signToken(rsKey, {tenant: 'acme'});
      expect((await answer(token, 503)).body.error.code).to.equal(
        'TENANT_KEYS_UNAVAILABLE',
      );
      provider.mode = 'keys';
      expect((await answer(token)).body.method).to.equal('acme');
    });
  }

  it('still names no tenant without an Authorization header, and falls through when told to', async () => {
    await given();
    expect((await client.get('/probe').expect(200)).body.method).to.equal(null);
    await app?.stop();
    await given({fallThroughWithoutToken: true}, ['jwt', 'header']);
    const res = await client.get('/probe').set('x-tenant-id', 'acme');
    expect(res.body.method).to.equal('acme');
    expect(provider.requests).to.equal(0);
  });

  async function given(
    jwt: Partial<JwtOptions> = {},
    strategies = ['jwt'],
  ): Promise<void> {
    ({app, client} = await givenTenantApp({
      strategies,
      jwt: {jwksUrl: provider.url, algorithms: ['RS256', 'ES256'], ...jwt},
    }));
  }

  async function answer(token: string, status = 200) {
    return client
      .get('/probe')
      .set('authorization', `Bearer ${token}`)
      .expect(status);
  }
});
