// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject} from '@loopback/core';
import {juggler} from '@loopback/repository';
import {get, post, requestBody} from '@loopback/rest';
import {expect, type Client} from '@loopback/testlab';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {schemaPerTenant} from '../../examples/datasources/postgres-factory';
import {
  ModelRegistry,
  tenantIdentifier,
  TenantRegistryBindings,
  type TenantRegistryOptions,
} from '../../src';
import {
  POSTGRES_SKIP_REASON,
  PostgresCluster,
  quoteIdentifier,
} from '../fixtures/postgres';
import {
  givenSharedDatabase,
  PgNoteController,
  PgNoteRepository,
  provisionTenants,
  SHARED_DATABASE,
} from '../fixtures/postgres-app';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

const describePg = POSTGRES_SKIP_REASON ? describe.skip : describe;
const SKIPPED = POSTGRES_SKIP_REASON
  ? ` (skipped: ${POSTGRES_SKIP_REASON})`
  : '';

const DATABASE = 'shop';

// Valid ids whose model names, `Order_<encoded id>`, share their first 63
// bytes: PostgreSQL cuts identifiers there, with only a NOTICE.
const LONG_TENANTS = ['a'.repeat(57) + 'x', 'a'.repeat(57) + 'y'];
// Upper-case letters encode to two characters each.
const UPPER_TENANTS = ['A'.repeat(29) + 'X', 'A'.repeat(29) + 'Y'];

describePg(
  `tenant model names on PostgreSQL's identifier limit (acceptance)${SKIPPED}`,
  () => {
    let cluster: PostgresCluster;
    let app: TenantTestApp | undefined;
    let shop: juggler.DataSource | undefined;

    before(async () => {
      cluster = await PostgresCluster.create();
      await cluster.query(`CREATE DATABASE ${DATABASE}`);
      await givenSharedDatabase(cluster);
    });
    after(() => cluster?.destroy());
    afterEach(async () => {
      await app?.stop();
      await shop?.disconnect();
      app = shop = undefined;
    });

    for (const [kind, tenants] of [
      ['long ids', LONG_TENANTS],
      ['upper-case ids', UPPER_TENANTS],
    ] as const) {
      it(`keeps two tenants' tables apart for ${kind} that share a 63-byte prefix`, async () => {
        const client = await givenShop();
        const [a, b] = tenants;
        await client.post('/shop/tables').set('x-tenant-id', a).expect(200);
        await client.post('/shop/tables').set('x-tenant-id', b).expect(200);
        await client
          .post('/shop/orders')
          .set('x-tenant-id', a)
          .send({customer: 'only for a'})
          .expect(200);

        const seenByB = await client
          .get('/shop/orders')
          .set('x-tenant-id', b)
          .expect(200);
        expect(seenByB.body).to.deepEqual([]);
        const seenByA = await client
          .get('/shop/orders')
          .set('x-tenant-id', a)
          .expect(200);
        expect(seenByA.body).to.containDeep([{customer: 'only for a'}]);

        // From the server: two tables, each name within the limit, as the
        // connector names them (the model name, lower-cased).
        const tables = tenants.map(id =>
          ModelRegistry.tenantModelName('Order', id).toLowerCase(),
        );
        for (const table of tables) {
          expect(Buffer.byteLength(table)).to.be.belowOrEqual(63);
        }
        const rows = await cluster.query<{name: string}>(
          "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
          [],
          DATABASE,
        );
        expect(rows.map(r => r.name)).to.deepEqual([...tables].sort());
        await cluster.query(`DROP TABLE ${tables.join(', ')}`, [], DATABASE);
      });
    }

    it('keeps tenants with long ids in schemas of their own with the docs’ factory', async () => {
      const tenants = [...LONG_TENANTS, ...UPPER_TENANTS, 'acme'];
      await provisionTenants(cluster, 'schema', tenants);
      const {app: started, client} = await givenTenantApp(
        {},
        {
          beforeStart: a => {
            a.bind(TenantRegistryBindings.DATASOURCE_FACTORY).to(
              schemaPerTenant({...cluster, database: SHARED_DATABASE}),
            );
            a.repository(PgNoteRepository);
            a.controller(PgNoteController);
          },
        },
      );
      app = started;
      for (const tenantId of tenants) {
        await client
          .post('/pg-notes')
          .set('x-tenant-id', tenantId)
          .send({text: `for ${tenantId}`})
          .expect(200);
      }
      for (const tenantId of tenants) {
        const res = await client
          .get('/pg-notes')
          .set('x-tenant-id', tenantId)
          .expect(200);
        expect(res.body.notes).to.containDeep([{text: `for ${tenantId}`}]);
        expect(res.body.notes).to.have.length(1);
        const schema = tenantIdentifier('tenant', tenantId);
        const rows = await cluster.query(
          `SELECT text FROM ${quoteIdentifier(schema)}.note`,
          [],
          SHARED_DATABASE,
        );
        expect(rows).to.deepEqual([{text: `for ${tenantId}`}]);
      }
    });

    async function givenShop(
      options: TenantRegistryOptions = {},
    ): Promise<Client> {
      const result = await givenTenantApp(options, {
        beforeStart: a => {
          shop = new juggler.DataSource({
            name: 'shop',
            connector: 'postgresql',
            ...{host: cluster.host, port: cluster.port, user: cluster.user},
            database: DATABASE,
            lazyConnect: true,
            max: 2,
          });
          a.bind('datasources.shop').to(shop);
          a.controller(ShopController);
        },
      });
      app = result.app;
      return result.client;
    }
  },
);

describe('docs/datasources.md (acceptance)', () => {
  it('shows the PostgreSQL factory as examples/ has it', () => {
    const root = path.resolve(__dirname, '../../..');
    const file = 'examples/datasources/postgres-factory.ts';
    const docs = readFileSync(path.join(root, 'docs/datasources.md'), 'utf8');
    const shown = docs.match(
      new RegExp(`<!-- file: ${file} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``),
    );
    // The file's leading comments (license, notes) are not shown.
    const source = readFileSync(path.join(root, file), 'utf8').replace(
      /^(\/\/.*\n|\n)*/,
      '',
    );
    expect(shown?.[1]).to.equal(source);
  });
});

const JSON_BODY = {
  content: {'application/json': {schema: {type: 'object' as const}}},
};
const RESPONSE = {responses: {'200': JSON_BODY}};

/** A model per tenant on one shared PostgreSQL database, as apps build it. */
class ShopController {
  private readonly model: juggler.PersistedModelClass;

  constructor(
    @inject('datasources.shop') private readonly dataSource: juggler.DataSource,
    @inject(TenantRegistryBindings.REGISTRY) registry: ModelRegistry,
  ) {
    this.model = registry.defineTenantModel<juggler.PersistedModelClass>(
      dataSource,
      'Order',
      {id: {type: Number, id: true, generated: true}, customer: String},
    );
  }

  /** Provision the tenant: create its table where missing (idempotent). */
  @post('/shop/tables', RESPONSE)
  async createTable(): Promise<object> {
    await this.dataSource.autoupdate([this.model.modelName]);
    return {table: this.model.modelName};
  }

  @post('/shop/orders', RESPONSE)
  create(@requestBody(JSON_BODY) order: object): Promise<object> {
    return this.model.create(order) as Promise<object>;
  }

  @get('/shop/orders', RESPONSE)
  find(): Promise<object> {
    return this.model.find() as Promise<object>;
  }
}
