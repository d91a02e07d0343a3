// Copyright loopback4-tenant-registry contributors. MIT License.

/* eslint-disable no-console */
// `npm run migrate`: migrate every catalog tenant's schema, the LB4 CLI's
// `migrate` convention for a multi-tenant app. The one other place that prints.

import {juggler} from '@loopback/repository';
import {
  TenantRegistryBindings,
  type TenantMigrationResult,
  type TenantMigrationSummary,
} from '../../src';
import {StoreApplication} from './application';
import {parseTenantList, type TenantCatalog} from './tenant-catalog';

/**
 * The example store keeps each tenant in memory, so there is no database to
 * migrate: every run finds fresh tenants and migrates them all. With
 * PostgreSQL, the DataSource factory would return the tenant's real
 * DataSource, and a second run would find them `up-to-date`.
 */
export function givenMigrationApp(tenants: string[]): StoreApplication {
  const app = new StoreApplication({
    rest: {listenOnStart: false},
    tenants,
    tenantRegistryOptions: {
      dataSources: {maxOpen: 8, acquireTimeout: 20000},
      schemas: {version: 'store-1'},
    },
  });
  app
    .bind(TenantRegistryBindings.DATASOURCE_FACTORY)
    .to(
      tenantId => new juggler.DataSource({name: tenantId, connector: 'memory'}),
    );
  // For the command's own test only: the tenants whose migration throws.
  const failing = parseTenantList(process.env.STORE_MIGRATE_FAIL);
  app.bind(TenantRegistryBindings.TENANT_MIGRATION).to(async (_, tenantId) => {
    if (failing.includes(tenantId)) throw new Error('injected failure');
  });
  return app;
}

/** A progress line: a bar rewritten in place on a terminal, a line per tenant otherwise. */
function progress(total: number, isTTY: boolean) {
  let done = 0;
  return (result: TenantMigrationResult) => {
    done++;
    if (!isTTY) {
      const error = result.error === undefined ? '' : `: ${result.error}`;
      console.log(`${result.tenantId} ${result.result}${error}`);
      return;
    }
    const width = 30;
    const filled = Math.round((done / total) * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    process.stdout.write(`\r[${bar}] ${done}/${total} ${result.tenantId} `);
    if (done === total) process.stdout.write('\n');
  };
}

function printSummary(summary: TenantMigrationSummary): void {
  console.log(
    `Summary: ${summary.migrated} migrated, ${summary.upToDate} up to date, ` +
      `${summary.failed.length} failed, ${summary.locked.length} locked` +
      `${summary.aborted ? ' (aborted)' : ''} in ${summary.durationMs} ms`,
  );
  for (const {tenantId, error} of summary.failed) {
    console.log(`failed: ${tenantId}: ${String(error)}`);
  }
  for (const tenantId of summary.locked) console.log(`locked: ${tenantId}`);
}

/** Migrate the catalog's tenants; the exit code is 1 when any failed or was locked. */
export async function main(): Promise<number> {
  const tenants = parseTenantList(process.env.TENANTS ?? 'acme,globex');
  const app = givenMigrationApp(tenants);
  await app.start(); // the registry and the pool; the REST server does not listen
  const stop = (signal: string) => {
    console.log(`${signal}: stopping after the tenants in progress`);
    app.stop().catch(console.error);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const catalog = await app.get<TenantCatalog>('services.TenantCatalog');
  const schemas = await app.get(TenantRegistryBindings.TENANT_SCHEMAS);
  const ids = catalog.list();
  console.log(`Migrating ${ids.length} tenants (memory DataSources)`);
  const summary = await schemas.migrate(ids, {
    onResult: progress(ids.length, process.stdout.isTTY === true),
  });
  printSummary(summary);
  await app.stop();
  const isClean = summary.failed.length === 0 && summary.locked.length === 0;
  return isClean && !summary.aborted ? 0 : 1;
}

if (require.main === module) {
  main().then(
    code => process.exit(code),
    error => {
      console.error('Cannot migrate the example store:', error);
      process.exit(1);
    },
  );
}
