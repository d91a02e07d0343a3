// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The LB4 apps the http suite and the request profile compare: the same
 * controllers with nothing (`plain`), with a bare AsyncLocalStorage
 * middleware registered by `app.middleware(fn)` (`als`, the fair baseline:
 * what every multi-tenant, APM or CLS app already carries), or with
 * TenantRegistryComponent (`component`). Three workloads:
 *
 * - `parcels`: a repository on one shared memory DataSource (LB4 caches its
 *   model, so no request reaches the registry);
 * - `leaky`: a model per tenant defined on every request from a fresh
 *   literal with two nested objects (the pattern that leaks anonymous models);
 * - `tenant-ds`: a DataSource per tenant, created on first use.
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
import {
  get,
  param,
  post,
  requestBody,
  RestApplication,
  RestBindings,
  type Middleware,
  type Request,
} from '@loopback/rest';
import {AsyncLocalStorage} from 'node:async_hooks';
import {
  ModelRegistry,
  runInTenant,
  TenantRegistryBindings,
  TenantRegistryComponent,
} from '../../src';
import {runInLeasedTenant} from '../../src/context/tenant-context';
import type {TenantLease} from '../../src/context/tenant-lease';
import {TenantAdmission} from '../../src/admission/tenant-admission';
import {resolveOptions} from '../../src/options/resolve-options';
import {HeaderTenantStrategy} from '../../src/resolution/header.strategy';
import {TenantResolver} from '../../src/resolution/tenant-resolver';

export type BenchAppKind =
  | 'plain'
  | 'als'
  | 'component'
  // Diagnosis: the component with its middleware replaced by the bare one.
  | 'component-als'
  // Diagnosis: the bare middleware calling our runInTenant instead of a bare
  // AsyncLocalStorage run (validation, the work count and its reaction).
  | 'als-run-in-tenant'
  // Floors: the bare middleware plus the least any tenant-tracking
  // middleware does: one Map lookup and a field write per request for 1,000
  // tenants (`als-lookup`), and also an in-flight count ended by a reaction
  // on the rest of the request (`als-counted`).
  | 'als-lookup'
  | 'als-counted'
  // Diagnosis: the bare middleware plus one of our parts.
  | 'als-resolve'
  | 'als-admit'
  // Diagnosis: the component with its middleware replaced by a bare one that
  // admits through the component's own admission (no handler around it).
  | 'component-lean'
  // Diagnosis: the component with its middleware replaced by `als-admit`'s
  // (a standalone admission): the component's presence plus admission.
  | 'component-shell';
export type BenchWorkload = 'parcels' | 'leaky' | 'tenant-ds';

@model()
export class Parcel extends Entity {
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

const JSON_OBJECT = {
  content: {'application/json': {schema: {type: 'object' as const}}},
};
const SPEC = {responses: {'200': JSON_OBJECT}};
const PARCEL = {address: {street: 's', city: 'c'}, items: [{sku: 'a', qty: 1}]};

class ParcelController {
  constructor(
    @repository(ParcelRepository) private readonly parcels: ParcelRepository,
  ) {}

  @get('/parcels/{id}', SPEC)
  find(@param.path.number('id') id: number): Promise<Parcel> {
    return this.parcels.findById(id);
  }

  @post('/parcels', SPEC)
  create(@requestBody(JSON_OBJECT) body: Partial<Parcel>): Promise<Parcel> {
    return this.parcels.create(body);
  }
}

/** The leaky pattern: a tenant's model defined again on every request. */
class CustomerController {
  constructor(
    @inject(RestBindings.Http.REQUEST) private readonly request: Request,
    @inject('datasources.db') private readonly dataSource: juggler.DataSource,
  ) {}

  @get('/parcels/{id}', SPEC)
  find(@param.path.number('id') id: number): Promise<object> {
    const tenantId = String(this.request.headers['x-tenant-id']);
    const Customer = this.dataSource.createModel(`Customer_${tenantId}`, {
      id: {type: Number, id: true, generated: true},
      name: String,
      address: {street: String, city: String},
      items: [{sku: String, qty: Number}],
    }) as unknown as {find(filter: object): Promise<object[]>};
    return Customer.find({where: {id}, limit: 1});
  }
}

class TenantParcelRepository extends DefaultCrudRepository<Parcel, number, {}> {
  constructor(@inject('bench.tenant-datasource') ds: juggler.DataSource) {
    super(Parcel, ds);
  }
}

/** A repository on the tenant's own DataSource. */
class TenantParcelController {
  constructor(
    @repository(TenantParcelRepository)
    private readonly parcels: TenantParcelRepository,
  ) {}

  @get('/parcels/{id}', SPEC)
  async find(): Promise<object> {
    return (await this.parcels.findOne()) ?? this.parcels.create(PARCEL);
  }
}

const CONTROLLERS: Record<BenchWorkload, new (...args: never[]) => object> = {
  parcels: ParcelController,
  leaky: CustomerController,
  'tenant-ds': TenantParcelController,
};

/** Where the bench apps put their tenancy middleware. */
const TENANCY = {
  group: 'tenancy',
  upstreamGroups: ['findRoute'],
  downstreamGroups: ['invokeMethod'],
};

/** Options of {@link startBenchApp}. */
export interface BenchAppOptions {
  /**
   * Wraps the app's tenancy middleware, or the component's request handler
   * (`handle(request, response, next)`): the last argument is always the
   * rest of the request. For timing it (bench/middleware-time.ts).
   */
  wrapTenancy?: <F extends (...args: never[]) => unknown>(fn: F) => F;
}

/**
 * An LB4 app of the given kind and workload on 127.0.0.1, started, with a
 * parcel in the shared DataSource.
 */
export async function startBenchApp(
  kind: BenchAppKind,
  workload: BenchWorkload = 'parcels',
  options: BenchAppOptions = {},
): Promise<RestApplication> {
  const wrap = options.wrapTenancy;
  const app = new (RepositoryMixin(RestApplication))({
    rest: {port: 0, host: '127.0.0.1'},
  });
  const shared = new juggler.DataSource({name: 'db', connector: 'memory'});
  app.dataSource(shared, 'db');
  const isComponent = kind.startsWith('component');
  if (isComponent) {
    app
      .configure(TenantRegistryBindings.COMPONENT)
      .to({strategies: ['header']});
    app.component(TenantRegistryComponent);
    if (kind !== 'component') app.unbind(TenantRegistryBindings.MIDDLEWARE);
  }
  let admission: TenantAdmission | undefined;
  const tenancy = bareTenancy(kind, () => admission!);
  if (tenancy !== undefined) {
    app.middleware(wrap ? wrap(tenancy) : tenancy, TENANCY);
  }
  app.repository(ParcelRepository);
  if (workload === 'tenant-ds') {
    bindTenantDataSource(app, kind, shared);
    app.repository(TenantParcelRepository);
  }
  app.controller(CONTROLLERS[workload] as new () => object);
  await app.start();
  if (isComponent) {
    admission = await app.get(TenantRegistryBindings.ADMISSION);
  }
  if (kind === 'component' && wrap) {
    // The instance's own `handle` is what the middleware calls.
    const handler = await app.get(TenantRegistryBindings.REQUEST_HANDLER);
    handler.handle = wrap(handler.handle.bind(handler));
  }
  const parcels = await app.getRepository(ParcelRepository);
  await parcels.create(PARCEL);
  return app;
}

/**
 * The tenancy middleware of a kind that has its own (all but `plain` and
 * `component`).
 */
function bareTenancy(
  kind: BenchAppKind,
  componentAdmission: () => TenantAdmission,
): Middleware | undefined {
  switch (kind) {
    case 'als':
    case 'component-als': {
      const storage = new AsyncLocalStorage<string>();
      return (context, next) =>
        storage.run(String(context.request.headers['x-tenant-id']), next);
    }
    case 'als-lookup':
    case 'als-counted':
      return floorMiddleware(kind === 'als-counted');
    case 'als-resolve':
    case 'als-admit':
    case 'component-shell':
      return partMiddleware(kind === 'als-resolve' ? kind : 'als-admit');
    case 'als-run-in-tenant':
      return (context, next) =>
        runInTenant(String(context.request.headers['x-tenant-id']), next);
    case 'component-lean':
      return (context, next) =>
        runInLeasedTenant(
          componentAdmission().admit(
            String(context.request.headers['x-tenant-id']),
          ) as TenantLease,
          next,
        );
    default:
      return undefined;
  }
}

/** See `als-lookup` and `als-counted` in {@link BenchAppKind}. */
function floorMiddleware(counted: boolean): Middleware {
  const storage = new AsyncLocalStorage<string>();
  const tenants = new Map<string, {seen: number; busy: number}>();
  return (context, next) => {
    const tenantId = String(context.request.headers['x-tenant-id']);
    let tenant = tenants.get(tenantId);
    if (tenant === undefined) {
      tenant = {seen: 0, busy: 0};
      tenants.set(tenantId, tenant);
    }
    tenant.seen++;
    if (!counted) return storage.run(tenantId, next);
    tenant.busy++;
    const done = () => tenant!.busy--;
    const result = storage.run(tenantId, next);
    Promise.resolve(result).then(done, done);
    return result;
  };
}

function partMiddleware(kind: 'als-resolve' | 'als-admit'): Middleware {
  const storage = new AsyncLocalStorage<string>();
  const resolver = new TenantResolver([new HeaderTenantStrategy()], false);
  const admission = new TenantAdmission(
    new ModelRegistry({maxTenants: 2000, protectionWindow: 60000}),
    {...resolveOptions().admission, clock: Date},
  );
  if (kind === 'als-resolve') {
    return (context, next) =>
      storage.run(resolver.resolve(context.request) as string, next);
  }
  return (context, next) => {
    const tenantId = String(context.request.headers['x-tenant-id']);
    return runInLeasedTenant(admission.admit(tenantId) as TenantLease, next);
  };
}

/** The tenant's own DataSource, created on first use. */
function bindTenantDataSource(
  app: RestApplication,
  kind: BenchAppKind,
  shared: juggler.DataSource,
): void {
  const key = 'bench.tenant-datasource';
  const createDataSource = (tenantId: string) =>
    new juggler.DataSource({name: `db_${tenantId}`, connector: 'memory'});
  if (kind === 'component') {
    app.bind(TenantRegistryBindings.DATASOURCE_FACTORY).to(createDataSource);
    app.bind(TenantRegistryBindings.DEFAULT_DATASOURCE).to(shared);
    app.bind(key).toAlias(TenantRegistryBindings.TENANT_DATASOURCE);
    return;
  }
  // Without the component: the usual hand-made cache, never released.
  const byTenant = new Map<string, juggler.DataSource>();
  app.bind(key).toDynamicValue(async ({context}) => {
    const request = await context.get(RestBindings.Http.REQUEST);
    const header = request.headers['x-tenant-id'];
    if (typeof header !== 'string') return shared;
    let dataSource = byTenant.get(header);
    if (dataSource === undefined) {
      dataSource = createDataSource(header);
      byTenant.set(header, dataSource);
    }
    return dataSource;
  });
}
