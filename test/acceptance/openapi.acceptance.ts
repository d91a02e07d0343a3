// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import type {TenantRegistryOptions} from '../../src';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

describe('the tenant in the OpenAPI spec (acceptance)', () => {
  let app: TenantTestApp | undefined;

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  async function specOf(options: TenantRegistryOptions) {
    let client;
    ({app, client} = await givenTenantApp(options));
    return (await client.get('/openapi.json').expect(200)).body;
  }

  it('documents the header as optional, a tenant required or not', async () => {
    // Under requireTenant, only the operations that use the tenant need one.
    for (const requireTenant of [false, true]) {
      const spec = await specOf({requireTenant});
      expect(spec.paths['/probe'].get.parameters).to.containDeep([
        {name: 'x-tenant-id', in: 'header', required: false},
      ]);
      await app?.stop();
    }
  });

  it('documents the query parameter and the header when both are configured', async () => {
    const spec = await specOf({
      strategies: ['query', 'header'],
      query: 'org',
      requireTenant: true,
    });
    const parameters = spec.paths['/orders'].post.parameters;
    expect(parameters).to.containDeep([
      {name: 'org', in: 'query', required: false},
      {name: 'x-tenant-id', in: 'header', required: false},
    ]);
  });

  it('adds a bearer security scheme for the jwt strategy', async () => {
    const spec = await specOf({
      strategies: ['jwt'],
      jwt: {secret: 'a-test-secret-of-sufficient-length-0123456789'},
      requireTenant: true,
    });
    expect(spec.components.securitySchemes.tenantToken).to.containDeep({
      type: 'http',
      scheme: 'bearer',
    });
    expect(spec.paths['/probe'].get.security).to.deepEqual([
      {tenantToken: []},
      {},
    ]);
    expect(spec.paths['/probe'].get.parameters ?? []).to.not.containDeep([
      {in: 'header', name: 'x-tenant-id'},
    ]);
  });
});
