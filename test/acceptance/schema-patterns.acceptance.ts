// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject} from '@loopback/core';
import {
  DefaultCrudRepository,
  Entity,
  juggler,
  model,
  Model,
  property,
  repository,
  RepositoryMixin,
} from '@loopback/repository';
import {
  get,
  getModelSchemaRef,
  post,
  requestBody,
  RestApplication,
} from '@loopback/rest';
import {
  createRestAppClient,
  expect,
  givenHttpServerConfig,
  type Client,
} from '@loopback/testlab';
import {
  TenantRegistryBindings,
  TenantRegistryComponent,
  type TenantRegistryOptions,
} from '../../src';
import {anonymousModelNames, builderOf} from '../fixtures/juggler';

// The patterns the README names, as a CLI-generated app writes them: models
// with nested @model classes, a repository on the tenant's DataSource, and a
// controller whose schemas come from getModelSchemaRef.

@model()
class Address extends Model {
  @property() street!: string;
  @property() city!: string;
}

@model()
class LineItem extends Model {
  @property() sku!: string;
  @property() qty!: number;
}

@model()
class Invoice extends Entity {
  @property({id: true, generated: true}) id?: number;
  @property({required: true}) customer!: string;
  @property() address?: Address;
  @property.array(LineItem) items?: LineItem[];
}

class InvoiceRepository extends DefaultCrudRepository<Invoice, number> {
  constructor(
    @inject(TenantRegistryBindings.TENANT_DATASOURCE)
    dataSource: juggler.DataSource,
  ) {
    super(Invoice, dataSource);
  }
}

class InvoiceController {
  constructor(
    @repository(InvoiceRepository) private readonly invoices: InvoiceRepository,
  ) {}

  @post('/invoices', {
    responses: {
      '200': {
        description: 'The invoice',
        content: {'application/json': {schema: getModelSchemaRef(Invoice)}},
      },
    },
  })
  create(
    @requestBody({
      content: {
        'application/json': {
          schema: getModelSchemaRef(Invoice, {exclude: ['id']}),
        },
      },
    })
    invoice: Omit<Invoice, 'id'>,
  ): Promise<Invoice> {
    return this.invoices.create(invoice);
  }

  @get('/invoices', {
    responses: {
      '200': {
        description: 'The invoices',
        content: {
          'application/json': {
            schema: {type: 'array', items: getModelSchemaRef(Invoice)},
          },
        },
      },
    },
  })
  find(): Promise<Invoice[]> {
    return this.invoices.find();
  }
}

class SchemaApp extends RepositoryMixin(RestApplication) {}

describe('model patterns through getModelSchemaRef and real requests (acceptance)', () => {
  let app: SchemaApp;
  let client: Client;
  const dataSources = new Map<string, juggler.DataSource>();

  before(async () => {
    app = new SchemaApp({
      rest: givenHttpServerConfig({host: '127.0.0.1', port: 0}),
    });
    app
      .configure<TenantRegistryOptions>(TenantRegistryBindings.COMPONENT)
      .to({strategies: ['header'], requireTenant: true});
    app.component(TenantRegistryComponent);
    app.bind(TenantRegistryBindings.DATASOURCE_FACTORY).to(tenantId => {
      const ds = new juggler.DataSource({name: tenantId, connector: 'memory'});
      dataSources.set(tenantId, ds);
      return ds;
    });
    app.repository(InvoiceRepository);
    app.controller(InvoiceController);
    await app.start();
    client = createRestAppClient(app);
  });
  after(() => app.stop());

  const invoice = {
    customer: 'Ada',
    address: {street: '1 Main St', city: 'Springfield'},
    items: [{sku: 'A-1', qty: 2}],
  };

  it('nested @model classes: validated by the schema, kept per tenant', async () => {
    await client
      .post('/invoices')
      .set('x-tenant-id', 'acme')
      .send(invoice)
      .expect(200);
    const acme = await client
      .get('/invoices')
      .set('x-tenant-id', 'acme')
      .expect(200);
    expect(acme.body).to.containDeep([invoice]);
    const globex = await client
      .get('/invoices')
      .set('x-tenant-id', 'globex')
      .expect(200);
    expect(globex.body).to.deepEqual([]);
    // The schema is enforced: a nested field of the wrong type is a 422.
    await client
      .post('/invoices')
      .set('x-tenant-id', 'acme')
      .send({...invoice, address: {street: 1}})
      .expect(422);
  });

  it('nested @model classes define named models only: nothing anonymous to leak', () => {
    const acme = dataSources.get('acme')!;
    expect(anonymousModelNames(builderOf(acme))).to.be.empty();
    expect(Object.keys(builderOf(acme).models)).to.containDeep([
      'Invoice',
      'Address',
      'LineItem',
    ]);
  });

  it('documents the nested schemas in the OpenAPI spec', async () => {
    const spec = (await client.get('/openapi.json').expect(200)).body;
    expect(Object.keys(spec.components.schemas)).to.containDeep([
      'Invoice',
      'Address',
      'LineItem',
    ]);
  });

  it('answers 400 TENANT_REQUIRED on a route that uses the tenant, without one', async () => {
    const res = await client.get('/invoices').expect(400);
    expect(res.body.error.code).to.equal('TENANT_REQUIRED');
  });
});

describe('inline object types in @property: what LB4 schema builder does with them (acceptance)', () => {
  @model()
  class Inline extends Entity {
    @property({id: true}) id!: number;
    @property({type: {street: 'string'}}) address?: object;
  }

  @model()
  class InlineArray extends Entity {
    @property({id: true}) id!: number;
    @property.array({sku: 'string'}) items?: object[];
  }

  // What the README states: LB4's getModelSchemaRef refuses these forms
  // (before our package is involved). If LB4 starts accepting them, this
  // fails and the README's advice changes.
  it('getModelSchemaRef throws for an inline object type and an inline item type', () => {
    expect(() => getModelSchemaRef(Inline)).to.throw(TypeError);
    expect(() => getModelSchemaRef(InlineArray)).to.throw(TypeError);
  });

  it('juggler accepts them through a repository: each builds an anonymous model', async () => {
    const ds = new juggler.DataSource({name: 'db', connector: 'memory'});
    const inline = new DefaultCrudRepository(Inline, ds);
    await inline.create({id: 1, address: {street: 'Main'}});
    expect(await inline.findById(1)).to.containDeep({
      address: {street: 'Main'},
    });
    expect(anonymousModelNames(builderOf(ds))).to.have.length(1);
  });
});
