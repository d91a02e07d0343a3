// Copyright loopback4-tenant-registry contributors. MIT License.

import type {juggler} from '@loopback/repository';
import {expect} from '@loopback/testlab';
import {
  TenantRegistryBindings,
  TenantRegistryError,
  type TenantMigrationResult,
} from '../../src';
import {
  ADMIN_APPLICATION,
  POSTGRES_SKIP_REASON,
  PostgresCluster,
  quoteIdentifier,
} from '../fixtures/postgres';
import {
  givenSharedDatabase,
  provisionTenants,
  SHARED_DATABASE,
  TENANT_APPLICATION,
  tenantNamespace,
} from '../fixtures/postgres-app';
import {
  givenSchemasApp,
  Item,
  ItemWithSku,
  stampedTenants,
  tenantIds,
} from '../fixtures/schemas-app';
import type {PgApp} from '../fixtures/postgres-app';

/** The parts of a node-postgres pool the session test watches. */
interface PgPoolInternals {
  Client: new (config: object) => object;
  on(event: 'remove', listener: () => void): void;
}

const describePg = POSTGRES_SKIP_REASON ? describe.skip : describe;
const SKIPPED = POSTGRES_SKIP_REASON
  ? ` (skipped: ${POSTGRES_SKIP_REASON})`
  : '';

const TENANTS = tenantIds('s', 200);
const BROKEN = 'broken';
const TRAFFIC = tenantIds('traffic', 8);
const MAX_OPEN = 6;
const POOL_SIZE = 2;

describePg(
  `TenantSchemas on PostgreSQL: a fleet of tenant schemas (acceptance)${SKIPPED}`,
  () => {
    let cluster: PostgresCluster;
    let pgApp: PgApp | undefined;

    before(async () => {
      cluster = await PostgresCluster.create();
      await givenSharedDatabase(cluster);
      await provisionTenants(cluster, 'schema', TRAFFIC);
      // A schema whose `item` table has a column of a type the model's
      // number cannot be cast from: autoupdate fails there.
      const schema = quoteIdentifier(tenantNamespace(BROKEN));
      await cluster.query(
        `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.item (id serial PRIMARY KEY, title text, price point)`,
        [],
        SHARED_DATABASE,
      );
    });
    after(() => cluster?.destroy());
    afterEach(async () => {
      await pgApp?.app.stop();
      pgApp = undefined;
    });

    it(`creates and migrates ${TENANTS.length} schemas with maxOpen ${MAX_OPEN} and pools of ${POOL_SIZE}: never over ${MAX_OPEN * POOL_SIZE} sessions, traffic answered, the broken tenant failed alone`, async () => {
      const given = await givenSchemasApp(cluster, {
        dataSources: {maxOpen: MAX_OPEN, acquireTimeout: 20000},
        schemas: {models: [Item]},
      });
      pgApp = given;
      const sampling = samplePeak();
      const traffic = sendTraffic(given);
      const results: TenantMigrationResult[] = [];
      const summary = await given.schemas.migrate([...TENANTS, BROKEN], {
        createSchemas: true,
        onResult: result => results.push(result),
      });
      const statuses = await traffic.stop();
      const peak = await sampling.stop();

      expect(summary).to.containDeep({
        migrated: TENANTS.length,
        upToDate: 0,
        locked: [],
        aborted: false,
      });
      expect(summary.failed.map(f => f.tenantId)).to.deepEqual([BROKEN]);
      expect(String(summary.failed[0].error)).to.match(/point/);
      expect(results).to.have.length(TENANTS.length + 1);
      // Every session but the test's own, starting ones included.
      expect(peak.app).to.be.belowOrEqual(MAX_OPEN * POOL_SIZE);
      // The bound was reached: the pools used their second connection.
      expect(peak.tenant).to.be.above(MAX_OPEN);
      expect(peak.samples).to.be.above(10);
      // Traffic kept its share of the slots: every request answered.
      expect([...statuses.keys()]).to.deepEqual([200]);
      expect(statuses.get(200)).to.be.above(TRAFFIC.length);
      expect(await stampedTenants(cluster, TENANTS)).to.have.length(
        TENANTS.length,
      );
      const columns = await itemColumns(TENANTS[17]);
      expect(columns).to.deepEqual(['id', 'price', 'title']);
      const lastResults = given.schemas.lastResults();
      expect(lastResults).to.have.length(TENANTS.length + 1);
      const pool = await given.app.get(TenantRegistryBindings.DATASOURCE_POOL);
      expect(pool.getStats()).to.containDeep({timeouts: 0, failures: 0});
    }).timeout(180000);

    it('migrates every tenant after a model change, and none on a second run', async () => {
      const given = await givenSchemasApp(cluster, {
        dataSources: {maxOpen: MAX_OPEN, acquireTimeout: 20000},
        schemas: {models: [ItemWithSku]},
      });
      pgApp = given;
      expect(await given.schemas.isCurrent(TENANTS[0])).to.be.false();

      const first = await given.schemas.migrate(TENANTS);
      const second = await given.schemas.migrate(TENANTS);

      expect(first).to.containDeep({
        migrated: TENANTS.length,
        upToDate: 0,
        failed: [],
      });
      expect(second).to.containDeep({
        migrated: 0,
        upToDate: TENANTS.length,
        failed: [],
      });
      expect(await itemColumns(TENANTS[150])).to.deepEqual([
        'id',
        'price',
        'sku',
        'title',
      ]);
      expect(await given.schemas.isCurrent(TENANTS[0])).to.be.true();
    }).timeout(180000);

    it('refuses to drop a schema without allowDrop or with a wrong confirmation, and drops it with them', async () => {
      const tenantId = TENANTS[3];
      const refusing = await givenSchemasApp(cluster, {
        schemas: {models: [ItemWithSku]},
      });
      pgApp = refusing;
      await expect(
        refusing.schemas.dropTenantSchema(tenantId, {confirm: tenantId}),
      ).to.be.rejectedWith({code: 'TENANT_SCHEMA_DROP_REFUSED'});
      await refusing.app.stop();

      const dropping = await givenSchemasApp(cluster, {
        schemas: {models: [ItemWithSku], allowDrop: true},
      });
      pgApp = dropping;
      const wrong = dropping.schemas.dropTenantSchema(tenantId, {
        confirm: TENANTS[4],
      });
      await expect(wrong).to.be.rejectedWith(TenantRegistryError);
      await expect(wrong).to.be.rejectedWith({
        code: 'TENANT_SCHEMA_DROP_REFUSED',
      });
      expect(await schemaExists(tenantId)).to.be.true();

      await dropping.schemas.dropTenantSchema(tenantId, {confirm: tenantId});

      expect(await schemaExists(tenantId)).to.be.false();
      expect(await schemaExists(TENANTS[4])).to.be.true();
      const registry = await dropping.app.get(TenantRegistryBindings.REGISTRY);
      expect(registry.hasTenant(tenantId)).to.be.false();
      // Onboarding again: created and migrated from nothing.
      const created = await dropping.schemas.createTenantSchema(tenantId);
      expect(created.result).to.equal('migrated');
      expect(await itemColumns(tenantId)).to.have.length(4);
    }).timeout(60000);

    it("opens no replacement session before a failed query's session has ended (the connector errs on purpose in createTable)", async () => {
      const given = await givenSchemasApp(cluster, {});
      pgApp = given;
      const pool = await given.app.get(TenantRegistryBindings.DATASOURCE_POOL);
      const ds = (await pool.get(TRAFFIC[7])) as juggler.DataSource;
      const pg = (ds.connector as unknown as {pg: PgPoolInternals}).pg;
      const events: string[] = [];
      pg.on('remove', () => events.push('ended'));
      const Client = pg.Client;
      pg.Client = class extends Client {
        constructor(config: object) {
          super(config);
          events.push('connecting');
        }
      };

      // Both connections busy, one failing: the next query needs another.
      const busy = ds.execute('SELECT pg_sleep(0.2)');
      const failing = ds.execute('SELECT 1/0');
      await expect(failing).to.be.rejectedWith(/division by zero/);
      await ds.execute('SELECT 1');
      await busy;

      // pg-pool destroys a client whose query failed; the one after it
      // connects once that session is gone, never beside it.
      expect(events.slice(-2)).to.deepEqual(['ended', 'connecting']);
    });

    /** Requests for the traffic tenants, back to back, until `stop()`. */
    function sendTraffic({client}: PgApp): {
      stop(): Promise<Map<number, number>>;
    } {
      const statuses = new Map<number, number>();
      let isRunning = true;
      const loops = TRAFFIC.slice(0, 2).map(async (_, worker) => {
        for (let i = worker; isRunning; i++) {
          const tenantId = TRAFFIC[i % TRAFFIC.length];
          const res = await client
            .get('/pg-notes')
            .set('x-tenant-id', tenantId);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      });
      return {
        async stop() {
          isRunning = false;
          await Promise.all(loops);
          return statuses;
        },
      };
    }

    /** Sample pg_stat_activity as fast as it answers until `stop()`. */
    function samplePeak(): {
      stop(): Promise<{app: number; tenant: number; samples: number}>;
    } {
      const peak = {app: 0, tenant: 0, samples: 0};
      let isRunning = true;
      const loop = (async () => {
        while (isRunning) {
          const [row] = await cluster.query<{app: number; tenant: number}>(
            `SELECT count(*) FILTER (WHERE application_name <> $1)::int AS app,
                    count(*) FILTER (WHERE starts_with(application_name, $2))::int AS tenant
             FROM pg_stat_activity WHERE backend_type = 'client backend'`,
            [ADMIN_APPLICATION, TENANT_APPLICATION],
          );
          peak.app = Math.max(peak.app, row.app);
          peak.tenant = Math.max(peak.tenant, row.tenant);
          peak.samples++;
        }
      })();
      return {
        async stop() {
          isRunning = false;
          await loop;
          return peak;
        },
      };
    }

    async function itemColumns(tenantId: string): Promise<string[]> {
      const rows = await cluster.query<{column: string}>(
        "SELECT column_name AS column FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'item' ORDER BY column_name",
        [tenantNamespace(tenantId)],
        SHARED_DATABASE,
      );
      return rows.map(row => row.column);
    }

    async function schemaExists(tenantId: string): Promise<boolean> {
      const rows = await cluster.query(
        'SELECT 1 FROM information_schema.schemata WHERE schema_name = $1',
        [tenantNamespace(tenantId)],
        SHARED_DATABASE,
      );
      return rows.length === 1;
    }
  },
);
