// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * One server of the http suite, in its own process: the same LB4 app with or
 * without TenantRegistryComponent. Reports its port and, on request, its CPU
 * time over IPC.
 *
 *   node dist/bench/http-server.js <plain|component>
 */

import {inject} from '@loopback/core';
import {
  DefaultCrudRepository,
  Entity,
  juggler,
  model,
  property,
  repository,
  RepositoryMixin,
} from '@loopback/repository';
import {get, param, post, requestBody, RestApplication} from '@loopback/rest';
import {AsyncLocalStorage} from 'node:async_hooks';
import {TenantRegistryBindings, TenantRegistryComponent} from '../src';

@model()
class Parcel extends Entity {
  @property({id: true, generated: true}) id?: number;
  @property({type: {street: 'string', city: 'string'}})
  address?: {street: string; city: string};
  @property.array({sku: 'string', qty: 'number'})
  items?: {sku: string; qty: number}[];
}

class ParcelRepository extends DefaultCrudRepository<Parcel, number, {}> {
  constructor(@inject('datasources.db') ds: juggler.DataSource) {
    super(Parcel, ds);
  }
}

const SPEC = {
  responses: {
    '200': {
      description: 'ok',
      content: {'application/json': {schema: {type: 'object' as const}}},
    },
  },
};

class ParcelController {
  constructor(
    @repository(ParcelRepository) private readonly parcels: ParcelRepository,
  ) {}

  @get('/parcels/{id}', SPEC)
  find(@param.path.number('id') id: number): Promise<Parcel> {
    return this.parcels.findById(id);
  }

  @post('/parcels', SPEC)
  create(
    @requestBody({content: {'application/json': {schema: {type: 'object'}}}})
    body: Partial<Parcel>,
  ): Promise<Parcel> {
    return this.parcels.create(body);
  }
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  const app = new (RepositoryMixin(RestApplication))({
    rest: {port: 0, host: '127.0.0.1'},
  });
  app.dataSource(
    new juggler.DataSource({name: 'db', connector: 'memory'}),
    'db',
  );
  if (mode === 'als-only') {
    // Diagnosis: what AsyncLocalStorage alone costs on this Node version.
    const storage = new AsyncLocalStorage<string>();
    app.middleware(
      (context, next) =>
        storage.run(String(context.request.headers['x-tenant-id']), next),
      {
        group: 'tenancy',
        upstreamGroups: ['findRoute'],
        downstreamGroups: ['invokeMethod'],
      },
    );
  }
  if (mode === 'component') {
    app
      .configure(TenantRegistryBindings.COMPONENT)
      .to({strategies: ['header']});
    app.component(TenantRegistryComponent);
  }
  app.repository(ParcelRepository);
  app.controller(ParcelController);
  await app.start();
  const repo = await app.getRepository(ParcelRepository);
  await repo.create({
    address: {street: 's', city: 'c'},
    items: [{sku: 'a', qty: 1}],
  });
  process.on('message', (message: string) => {
    if (message === 'cpu') {
      const usage = process.cpuUsage();
      process.send!({cpuMicros: usage.user + usage.system});
    } else if (message === 'stop') {
      app.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  process.send!({port: new URL(app.restServer.url!).port});
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
