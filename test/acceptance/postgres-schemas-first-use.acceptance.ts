// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import type {TenantMigration} from '../../src';
import {deferred} from '../fixtures/async';
import {
  POSTGRES_SKIP_REASON,
  PostgresCluster,
  quoteIdentifier,
} from '../fixtures/postgres';
import {
  givenSharedDatabase,
  provisionTenants,
  SHARED_DATABASE,
  tenantNamespace,
  type PgApp,
} from '../fixtures/postgres-app';
import {givenSchemasApp} from '../fixtures/schemas-app';

const describePg = POSTGRES_SKIP_REASON ? describe.skip : describe;
const SKIPPED = POSTGRES_SKIP_REASON
  ? ` (skipped: ${POSTGRES_SKIP_REASON})`
  : '';

const UPGRADED = 'upgraded';
const NEIGHBOUR = 'neighbour';

describePg(
  `schemas.migrateOnFirstUse on PostgreSQL (acceptance)${SKIPPED}`,
  () => {
    let cluster: PostgresCluster;
    let pgApp: PgApp | undefined;

    before(async () => {
      cluster = await PostgresCluster.create();
      await givenSharedDatabase(cluster);
      await provisionTenants(cluster, 'schema', [UPGRADED, NEIGHBOUR]);
    });
    after(() => cluster?.destroy());
    afterEach(async () => {
      await pgApp?.app.stop();
      pgApp = undefined;
    });

    it("migrates a tenant on its first request after a model change while another tenant's requests keep answering", async () => {
      const started = deferred();
      const release = deferred();
      const migration: TenantMigration = async (ds, tenantId) => {
        if (tenantId === UPGRADED) {
          started.resolve();
          await release.promise;
        }
        const table = `${quoteIdentifier(tenantNamespace(tenantId))}.note`;
        await ds.execute(
          `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS sku text`,
        );
      };
      const given = await givenSchemasApp(
        cluster,
        {schemas: {version: '2', migrateOnFirstUse: {timeout: 20000}}},
        migration,
      );
      pgApp = given;
      const {client} = given;
      const notes = (tenantId: string) =>
        client.get('/pg-notes').set('x-tenant-id', tenantId);

      const upgrading = notes(UPGRADED).then(res => res);
      await started.promise;
      const neighbourStatuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        neighbourStatuses.push((await notes(NEIGHBOUR)).status);
      }
      const columnsDuring = await skuColumns();
      release.resolve();
      const upgraded = await upgrading;

      expect(neighbourStatuses).to.deepEqual([200, 200, 200, 200, 200]);
      expect(columnsDuring).to.deepEqual([tenantNamespace(NEIGHBOUR)]);
      expect(upgraded.status).to.equal(200);
      expect(await skuColumns()).to.deepEqual(
        [tenantNamespace(NEIGHBOUR), tenantNamespace(UPGRADED)].sort(),
      );
      expect(await given.schemas.isCurrent(UPGRADED)).to.be.true();
    });

    /** The schemas whose `note` table has the `sku` column, sorted. */
    async function skuColumns(): Promise<string[]> {
      const rows = await cluster.query<{schema: string}>(
        "SELECT table_schema AS schema FROM information_schema.columns WHERE table_name = 'note' AND column_name = 'sku' ORDER BY 1",
        [],
        SHARED_DATABASE,
      );
      return rows.map(row => row.schema);
    }
  },
);
