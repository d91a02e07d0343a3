// Copyright loopback4-tenant-registry contributors. MIT License.

import {get, param} from '@loopback/rest';
import {expect} from '@loopback/testlab';
import type {TenantRegistryOptions} from '../../src';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

const OK = {
  '200': {content: {'application/json': {schema: {type: 'object'}}}},
};

/** Routes whose specs already say something about security or the tenant. */
class AnnotatedController {
  @get('/already-secured', {security: [{tenantToken: []}], responses: OK})
  alreadySecured(): object {
    return {};
  }

  @get('/api-key', {security: [{apiKey: []}], responses: OK})
  apiKey(): object {
    return {};
  }

  @get('/tenant-in-query', {responses: OK})
  tenantInQuery(@param.query.string('x-tenant-id') id?: string): object {
    return {id};
  }

  @get('/tenant-in-header', {responses: OK})
  tenantInHeader(@param.header.string('x-tenant-id') id?: string): object {
    return {id};
  }
}

const SECRET = 'a-test-secret-of-sufficient-length-0123456789';

describe('the OpenAPI spec around own routes and annotated operations (acceptance)', () => {
  let app: TenantTestApp | undefined;

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  async function specOf(options: TenantRegistryOptions) {
    let client;
    ({app, client} = await givenTenantApp(options, {
      beforeStart: a => a.controller(AnnotatedController),
    }));
    return (await client.get('/openapi.json').expect(200)).body;
  }

  it('documents health and metrics when asked, without tenant parameters', async () => {
    const spec = await specOf({
      strategies: ['header', 'jwt'],
      jwt: {secret: SECRET},
      health: {documented: true},
      metrics: {documented: true},
    });
    for (const path of [
      '/health/tenant-registry',
      '/tenant-registry/metrics',
    ]) {
      const operation = spec.paths[path].get;
      expect(operation).to.be.an.Object();
      expect(operation.parameters ?? []).to.be.empty();
      expect(operation.security).to.be.undefined();
    }
    expect(spec.paths['/probe'].get.parameters).to.containDeep([
      {name: 'x-tenant-id', in: 'header'},
    ]);
  });

  it('hides health and metrics by default', async () => {
    const spec = await specOf({});
    expect(spec.paths).to.not.have.property('/health/tenant-registry');
    expect(spec.paths).to.not.have.property('/tenant-registry/metrics');
  });

  it('makes the token optional when no tenant is required, naming the claim', async () => {
    const spec = await specOf({
      strategies: ['jwt'],
      jwt: {secret: SECRET, claim: 'org'},
    });
    expect(spec.components.securitySchemes.tenantToken.description).to.equal(
      'A token whose `org` claim names the tenant.',
    );
    expect(spec.paths['/probe'].get.security).to.deepEqual([
      {tenantToken: []},
      {},
    ]);
  });

  it('keeps a security requirement that names the scheme and adds it to others', async () => {
    const spec = await specOf({
      strategies: ['jwt'],
      jwt: {secret: SECRET},
      requireTenant: true,
    });
    expect(spec.components.securitySchemes.tenantToken.description).to.equal(
      'A token whose `tenant` claim names the tenant.',
    );
    expect(spec.paths['/already-secured'].get.security).to.deepEqual([
      {tenantToken: []},
    ]);
    expect(spec.paths['/api-key'].get.security).to.deepEqual([
      {apiKey: []},
      {tenantToken: []},
    ]);
  });

  it('adds the tenant header beside a same-named query parameter, never twice', async () => {
    const spec = await specOf({});
    const inQuery = spec.paths['/tenant-in-query'].get.parameters;
    expect(inQuery.map((p: {in: string}) => p.in).sort()).to.deepEqual([
      'header',
      'query',
    ]);
    const inHeader = spec.paths['/tenant-in-header'].get.parameters;
    expect(inHeader).to.have.length(1);
    expect(inHeader[0]).to.containDeep({name: 'x-tenant-id', in: 'header'});
  });
});
