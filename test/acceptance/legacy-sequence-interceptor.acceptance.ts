// Copyright loopback4-tenant-registry contributors. MIT License.

import {Context, invokeMethod} from '@loopback/core';
import {RestBindings} from '@loopback/rest';
import {createRestAppClient, expect, type Client} from '@loopback/testlab';
import {
  runInTenant,
  TenantRegistryBindings,
  type TenantRequest,
} from '../../src';
import {
  givenTenantApp,
  type ProbeController,
  type TenantTestApp,
} from '../fixtures/tenant-app';

interface ProbeAnswer {
  method: string | null;
  afterAwait: string | null;
}

describe('the interceptor fallback on the legacy DefaultSequence (acceptance)', () => {
  let app: TenantTestApp | undefined;
  let client: Client;

  beforeEach(async () => {
    ({app, client} = await givenTenantApp({}, {sequence: 'default'}));
  });

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  /** Call ProbeController#probe outside HTTP, as a service would. */
  async function invokeProbe(request?: TenantRequest): Promise<ProbeAnswer> {
    const ctx = new Context(app!);
    if (request !== undefined) {
      ctx.bind(RestBindings.Http.REQUEST.key).to(request);
      ctx.bind(RestBindings.Http.RESPONSE.key).to({
        headersSent: false,
        setHeader: () => {},
      });
    }
    const controller = await ctx.get<ProbeController>(
      'controllers.ProbeController',
    );
    return (await invokeMethod(controller, 'probe', ctx, [0])) as ProbeAnswer;
  }

  it('stays bound, and still serves tenants, after a restart', async () => {
    expect(app!.isBound(TenantRegistryBindings.INTERCEPTOR)).to.be.true();
    await app!.stop();
    await app!.start();
    client = createRestAppClient(app!);
    const res = await client.get('/probe').set('x-tenant-id', 'again');
    expect(res.status).to.equal(200);
    expect(res.body).to.containDeep({method: 'again', afterAwait: 'again'});
  });

  it('resolves the tenant of a request bound to a non-HTTP invocation', async () => {
    const answer = await invokeProbe({
      headers: {'x-tenant-id': 'from-request'},
      url: '/probe',
    });
    expect(answer).to.containDeep({method: 'from-request'});
  });

  it('keeps the tenant a caller already runs in', async () => {
    const answer = await runInTenant('caller', () =>
      invokeProbe({headers: {'x-tenant-id': 'from-request'}, url: '/probe'}),
    );
    expect(answer).to.containDeep({method: 'caller', afterAwait: 'caller'});
  });

  it('runs a call without a request as is, in no tenant', async () => {
    const answer = await invokeProbe();
    expect(answer).to.containDeep({method: null, afterAwait: null});
  });
});
