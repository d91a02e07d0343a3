// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {TenantRegistryBindings} from '../../src';
import {
  ADMIN_APPLICATION,
  POSTGRES_SKIP_REASON,
  PostgresCluster,
} from '../fixtures/postgres';
import {
  givenPgApp,
  givenSharedDatabase,
  provisionTenants,
  TENANT_APPLICATION,
  type PgApp,
} from '../fixtures/postgres-app';

const describePg = POSTGRES_SKIP_REASON ? describe.skip : describe;
const SKIPPED = POSTGRES_SKIP_REASON
  ? ` (skipped: ${POSTGRES_SKIP_REASON})`
  : '';

const TENANTS = Array.from(
  {length: 300},
  (_, i) => `t-${String(i).padStart(3, '0')}`,
);
const MAX_OPEN = 20;
const POOL_SIZE = 2;
const WORKERS = 40;

/** The most connections pg_stat_activity showed while a sampler ran. */
interface Peak {
  /** Sessions named after a tenant. */
  tenant: number;
  /**
   * Every client session but the test's own: tenant sessions, and those
   * still starting up (their application_name is not set yet).
   */
  app: number;
  /** The test's own sessions. */
  admin: number;
  samples: number;
}

describePg(
  `per-tenant DataSources on PostgreSQL: the cap on open DataSources (acceptance)${SKIPPED}`,
  () => {
    let cluster: PostgresCluster;
    let pgApp: PgApp | undefined;

    before(async () => {
      cluster = await PostgresCluster.create();
      await givenSharedDatabase(cluster);
      await provisionTenants(cluster, 'schema', TENANTS);
    });
    after(() => cluster?.destroy());
    afterEach(async () => {
      await pgApp?.app.stop();
      pgApp = undefined;
    });

    it(`300 tenants cycling with maxOpen ${MAX_OPEN} and pools of ${POOL_SIZE}: never over ${MAX_OPEN * POOL_SIZE} connections, no request fails`, async () => {
      // About 600 PostgreSQL sessions start and end; on a loaded 2-core
      // machine that takes a while (no timing is asserted).
      pgApp = await givenPgApp(cluster, 'schema', {
        dataSources: {maxOpen: MAX_OPEN, acquireTimeout: 10000},
      });
      const {app, client, opened} = pgApp;
      // Every request opens a DataSource; past the first 20, the cap closes
      // one for it.
      const queue = [...TENANTS];
      const statuses = new Map<number, number>();
      const sampling = samplePeak();
      await Promise.all(
        Array.from({length: WORKERS}, async () => {
          for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
            // Two reads at once: both pool connections are used.
            const res = await client
              .get('/pg-notes?parallel=2')
              .set('x-tenant-id', t);
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          }
        }),
      );
      const peak = await sampling.stop();

      expect([...statuses]).to.deepEqual([[200, TENANTS.length]]);
      expect(opened).to.have.length(TENANTS.length);
      // Every session but the test's own, starting ones included.
      expect(peak.app).to.be.belowOrEqual(MAX_OPEN * POOL_SIZE);
      // The cap was reached: more than one connection per open DataSource.
      expect(peak.tenant).to.be.above(MAX_OPEN);
      expect(peak.admin).to.be.belowOrEqual(2);
      expect(peak.samples).to.be.above(10);
      const pool = await app.get(TenantRegistryBindings.DATASOURCE_POOL);
      expect(pool.getStats()).to.containDeep({
        timeouts: 0,
        failures: 0,
        closedForRoom: TENANTS.length - MAX_OPEN,
      });
      expect(pool.getStats().slots).to.be.belowOrEqual(MAX_OPEN);
    }).timeout(120000);

    /** Sample pg_stat_activity as fast as it answers until `stop()`. */
    function samplePeak(): {stop(): Promise<Peak>} {
      const peak: Peak = {tenant: 0, app: 0, admin: 0, samples: 0};
      let isRunning = true;
      const loop = (async () => {
        while (isRunning) {
          const [row] = await cluster.query<Omit<Peak, 'samples'>>(
            `SELECT count(*) FILTER (WHERE starts_with(application_name, $1))::int AS tenant,
                  count(*) FILTER (WHERE application_name <> $2)::int AS app,
                  count(*) FILTER (WHERE application_name = $2)::int AS admin
             FROM pg_stat_activity WHERE backend_type = 'client backend'`,
            [TENANT_APPLICATION, ADMIN_APPLICATION],
          );
          peak.tenant = Math.max(peak.tenant, row.tenant);
          peak.app = Math.max(peak.app, row.app);
          peak.admin = Math.max(peak.admin, row.admin);
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
  },
);
