// Copyright loopback4-tenant-registry contributors. MIT License.

import {createBindingFromClass} from '@loopback/core';
import {expect, type Client} from '@loopback/testlab';
import {
  asTenantStrategy,
  TenantRegistryError,
  TenantRegistryErrorCodes,
  type TenantRequest,
  type TenantResolutionStrategy,
} from '../../src';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

/**
 * Looks the tenant up asynchronously (as one backed by a session store
 * would), from `x-session`: `s-<tenant>` names one, `bad-id` is refused as
 * an invalid id, `internal` fails with a registry error that is the
 * server's fault, and `crash` fails with a plain error.
 */
class SessionTenantStrategy implements TenantResolutionStrategy {
  readonly name = 'session';
  async resolve(request: TenantRequest): Promise<string | undefined> {
    await Promise.resolve();
    const session = request.headers['x-session'];
    if (typeof session !== 'string') return undefined;
    if (session === 'bad-id') {
      throw new TenantRegistryError(
        TenantRegistryErrorCodes.INVALID_TENANT_ID,
        'Invalid tenant id: the session names none.',
      );
    }
    if (session === 'internal') {
      throw new TenantRegistryError(
        TenantRegistryErrorCodes.INVALID_OPTION,
        'Invalid option `session`: a secret detail',
      );
    }
    if (session === 'crash') throw new Error('session store crashed');
    return session.replace(/^s-/, '');
  }
}

/** Reads the tenant from `x-org` instead: rebound over the session one. */
class OrgHeaderStrategy implements TenantResolutionStrategy {
  readonly name = 'session';
  resolve(request: TenantRequest): string | undefined {
    const org = request.headers['x-org'];
    return typeof org === 'string' ? org : undefined;
  }
}

describe('custom strategies that answer late or fail (acceptance)', () => {
  let app: TenantTestApp | undefined;
  let client: Client;

  beforeEach(async () => {
    ({app, client} = await givenTenantApp(
      {strategies: ['session', 'header']},
      {
        beforeStart: a =>
          a.add(
            createBindingFromClass(SessionTenantStrategy, {
              key: 'strategies.session',
            }).apply(asTenantStrategy),
          ),
      },
    ));
  });

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it('runs the request in the tenant a promise resolves to', async () => {
    const res = await client
      .get('/probe')
      .set('x-session', 's-acme')
      .expect(200);
    expect(res.body).to.containDeep({method: 'acme', afterAwait: 'acme'});
  });

  it('falls through to the next strategy when the promise names none', async () => {
    const res = await client.get('/probe').set('x-tenant-id', 'h').expect(200);
    expect(res.body.method).to.equal('h');
  });

  it('validates the id a promise resolves to', async () => {
    const res = await client
      .get('/probe')
      .set('x-session', 's-__proto__')
      .expect(400);
    expect(res.body.error.code).to.equal('INVALID_TENANT_ID');
  });

  it('answers a rejected TenantRegistryError with its status and code', async () => {
    const res = await client
      .get('/probe')
      .set('x-session', 'bad-id')
      .expect(400);
    expect(res.body.error).to.containDeep({
      code: 'INVALID_TENANT_ID',
      message: 'Invalid tenant id: the session names none.',
    });
  });

  it('answers a registry error that is the server fault with a bare 500', async () => {
    const res = await client
      .get('/probe')
      .set('x-session', 'internal')
      .expect(500);
    expect(res.body.error.code).to.be.undefined();
    expect(JSON.stringify(res.body)).to.not.match(/secret detail/);
  });

  it('answers any other rejection with a 500 that does not show it', async () => {
    const res = await client
      .get('/probe')
      .set('x-session', 'crash')
      .expect(500);
    expect(JSON.stringify(res.body)).to.not.match(/session store/);
  });

  it('uses a strategy rebound after start on the next request', async () => {
    expect(
      (await client.get('/probe').set('x-session', 's-one').expect(200)).body
        .method,
    ).to.equal('one');
    app!
      .bind('strategies.session')
      .toClass(OrgHeaderStrategy)
      .apply(asTenantStrategy);
    const res = await client
      .get('/probe')
      .set('x-session', 's-one')
      .set('x-org', 'two')
      .expect(200);
    expect(res.body.method).to.equal('two');
  });
});
