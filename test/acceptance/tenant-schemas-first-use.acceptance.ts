// Copyright loopback4-tenant-registry contributors. MIT License.

import {juggler} from '@loopback/repository';
import {expect, type Client} from '@loopback/testlab';
import {
  TenantRegistryBindings,
  type TenantMigration,
  type TenantRegistryOptions,
} from '../../src';
import {deferred} from '../fixtures/async';
import {givenManualClock, type ManualClock} from '../fixtures/manual-clock';
import {PgNoteController, PgNoteRepository} from '../fixtures/postgres-app';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

const DASHBOARD_TOKEN = 'first-use-dashboard-token-0123456789';

describe('schemas.migrateOnFirstUse and schema observability on memory DataSources (acceptance)', () => {
  let app: TenantTestApp | undefined;
  let client: Client;
  let runs: string[];
  let clock: ManualClock;

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  describe('migrateOnFirstUse', () => {
    it("migrates a tenant on its first request, once: later requests on its DataSource don't run it", async () => {
      await given({schemas: {version: '1', migrateOnFirstUse: true}});
      const schemas = await app!.get(TenantRegistryBindings.TENANT_SCHEMAS);
      const checked: string[] = [];
      const migrateTenant = schemas.migrateTenant.bind(schemas);
      schemas.migrateTenant = id => {
        checked.push(id);
        return migrateTenant(id);
      };

      for (let i = 0; i < 3; i++) await notes('a').expect(200);
      await notes('b').expect(200);

      expect(runs).to.deepEqual(['a', 'b']);
      // Not even the stamp is read again on the same DataSource.
      expect(checked).to.deepEqual(['a', 'b']);
      expect(await schemas.isCurrent('a')).to.be.true();
    });

    it('answers 503 TENANT_SCHEMA_MIGRATING after the wait while the migration goes on, and other tenants keep answering', async () => {
      const release = deferred();
      const started = deferred();
      await given(
        // Long enough for the fast tenant on a loaded machine.
        {schemas: {version: '1', migrateOnFirstUse: {timeout: 500}}},
        async tenantId => {
          if (tenantId !== 'slow') return;
          started.resolve();
          await release.promise;
        },
      );

      const first = await notes('slow').expect(503);
      await started.promise;
      await notes('fast').expect(200);
      await notes('fast').expect(200);
      const second = await notes('slow').expect(503);
      release.resolve();
      await waitForResult('slow');
      await notes('slow').expect(200);

      expect(first.body.error.code).to.equal('TENANT_SCHEMA_MIGRATING');
      expect(first.headers['retry-after']).to.equal('2');
      expect(second.body.error.code).to.equal('TENANT_SCHEMA_MIGRATING');
      // The waiting requests joined the one migration.
      expect(runs.filter(id => id === 'slow')).to.have.length(1);
    });

    it('answers 503 TENANT_SCHEMA_MIGRATION_FAILED without internals, and tries again only after Retry-After', async () => {
      await given(
        {schemas: {version: '1', migrateOnFirstUse: true}},
        async tenantId => {
          if (tenantId === 'broken') throw new Error('column "secret" boom');
        },
      );

      const first = await notes('broken').expect(503);
      const second = await notes('broken').expect(503);
      clock.time += 30 * 1000;
      await notes('broken').expect(503);
      await notes('fine').expect(200);

      expect(first.body.error).to.containDeep({
        code: 'TENANT_SCHEMA_MIGRATION_FAILED',
      });
      expect(JSON.stringify(first.body)).to.not.match(/secret|boom/);
      expect(first.headers['retry-after']).to.equal('30');
      expect(second.body.error.code).to.equal('TENANT_SCHEMA_MIGRATION_FAILED');
      expect(runs).to.deepEqual(['broken', 'broken', 'fine']);
    });

    it('does not migrate on requests when off (the default)', async () => {
      await given({schemas: {version: '1'}});

      await notes('a').expect(200);

      expect(runs).to.deepEqual([]);
    });
  });

  describe('observability', () => {
    it('counts results in metrics, warns in health and lists failed tenants on the dashboard', async () => {
      let isBroken = true;
      await given(
        {
          schemas: {version: '1', migrateOnFirstUse: true},
          metrics: {path: '/metrics'},
          dashboard: {enabled: true, token: DASHBOARD_TOKEN},
        },
        async tenantId => {
          if (isBroken && tenantId === 'broken') throw new Error('boom');
        },
      );
      const healthy = await client.get('/health/tenant-registry').expect(200);

      await notes('a').expect(200);
      await notes('broken').expect(503);

      const metrics = (await client.get('/metrics').expect(200)).text;
      expect(metrics).to.match(
        /^tenant_registry_schema_migrations_total\{result="migrated"\} 1$/m,
      );
      expect(metrics).to.match(
        /^tenant_registry_schema_migrations_total\{result="failed"\} 1$/m,
      );
      expect(metrics).to.match(
        /^tenant_registry_schema_migration_duration_seconds_count 2$/m,
      );
      expect(metrics).to.not.match(/broken/);
      const health = await client.get('/health/tenant-registry').expect(200);
      expect(healthy.body.status).to.equal('healthy');
      expect(health.body).to.containDeep({
        status: 'warning',
        warnings: ['1 tenants failed their last schema migration'],
      });
      expect(JSON.stringify(health.body)).to.not.match(/broken/);
      const stats = await client
        .get('/tenant-registry/dashboard/api/stats')
        .set('authorization', `Bearer ${DASHBOARD_TOKEN}`)
        .expect(200);
      expect(stats.body.schemas).to.containDeep({
        failed: 1,
        failedTenants: ['broken'],
        locked: 0,
        results: {migrated: 1, failed: 1},
      });
      // The tenant fixed and migrated again: the warning is gone.
      isBroken = false;
      const schemas = await app!.get(TenantRegistryBindings.TENANT_SCHEMAS);
      expect(await schemas.migrate(['broken'])).to.containDeep({migrated: 1});
      const fixed = await client.get('/health/tenant-registry').expect(200);
      expect(fixed.body.status).to.equal('healthy');
    });

    it('keeps the readiness check ready while a tenant failed its migration', async () => {
      await given({schemas: {version: '1', migrateOnFirstUse: true}}, () =>
        Promise.reject(new Error('boom')),
      );
      await notes('broken').expect(503);

      const check = await app!.get(TenantRegistryBindings.HEALTH_CHECK);

      await check();
      const health = await client.get('/health/tenant-registry').expect(200);
      expect(health.body.status).to.equal('warning');
    });
  });

  function notes(tenantId: string) {
    return client.get('/pg-notes').set('x-tenant-id', tenantId);
  }

  async function waitForResult(tenantId: string): Promise<void> {
    const schemas = await app!.get(TenantRegistryBindings.TENANT_SCHEMAS);
    while (!schemas.lastResults().some(r => r.tenantId === tenantId)) {
      await new Promise(resolve => setImmediate(resolve));
    }
  }

  /** An app whose tenants each have a memory DataSource, and a migration that records each run. */
  async function given(
    options: TenantRegistryOptions,
    migrate: (tenantId: string) => Promise<void> = async () => {},
  ): Promise<void> {
    runs = [];
    clock = givenManualClock();
    const migration: TenantMigration = async (_, tenantId) => {
      runs.push(tenantId);
      await migrate(tenantId);
    };
    const started = await givenTenantApp(options, {
      seams: {clock},
      beforeStart: a => {
        a.bind(TenantRegistryBindings.DATASOURCE_FACTORY).to(
          tenantId =>
            new juggler.DataSource({name: tenantId, connector: 'memory'}),
        );
        a.bind(TenantRegistryBindings.TENANT_MIGRATION).to(migration);
        a.repository(PgNoteRepository);
        a.controller(PgNoteController);
      },
    });
    ({app, client} = started);
  }
});
