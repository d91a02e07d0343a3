// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The app of the tenant schemas bench (bench/schemas.ts), forked: the
 * PostgreSQL app of the tests (schema per tenant, pools of 2, GET /pg-notes)
 * with two entities to migrate, answering the parent over IPC:
 * `{migrate: ids, concurrency?}` runs `TenantSchemas.migrate` (schemas
 * created) in this process, beside the HTTP traffic, and replies with the
 * summary; every reply carries the pool's counts, the tenants opened, the
 * process's CPU time and its event loop's delay since the previous reply.
 *
 *   node dist/bench/schemas-server.js '{"host":..,"port":..,"user":..,"prefix":..,"maxOpen":..}'
 */

import {Entity, model, property} from '@loopback/repository';
import {monitorEventLoopDelay} from 'node:perf_hooks';
import {TenantRegistryBindings} from '../src';
import {
  APPLICATION_NAME,
  type PostgresAddress,
} from '../test/fixtures/postgres';
import {givenPgApp} from '../test/fixtures/postgres-app';

/** A customer with a nested profile, as a real app's model. */
@model({settings: {postgresql: {table: 'customer'}}})
class Customer extends Entity {
  @property({id: true, generated: true}) id?: number;
  @property({required: true}) name!: string;
  @property() email?: string;
  @property({type: {tier: 'string', since: 'date', newsletter: 'boolean'}})
  profile?: {tier: string; since: Date; newsletter: boolean};
  @property.array(String) tags?: string[];
}

/** An order with a nested address and an array of nested lines. */
@model({settings: {postgresql: {table: 'orders'}}})
class Order extends Entity {
  @property({id: true, generated: true}) id?: number;
  @property({required: true}) customerId!: number;
  @property({type: {street: 'string', city: 'string', zip: 'string'}})
  address?: {street: string; city: string; zip: string};
  @property({type: [{sku: 'string', quantity: 'number', price: 'number'}]})
  lines?: {sku: string; quantity: number; price: number}[];
  @property() total?: number;
  @property() placedAt?: Date;
}

/** What the parent sends. */
export type SchemasServerMessage =
  {migrate: string[]; concurrency?: number} | 'stats' | 'stop';

/** The configuration the parent passes as the first argument. */
export interface SchemasServerConfig extends PostgresAddress {
  /** The application_name prefix of every pool connection. */
  prefix: string;
  maxOpen: number;
}

async function serve(config: SchemasServerConfig): Promise<void> {
  const {app, opened} = await givenPgApp(
    config,
    'schema',
    {
      dataSources: {maxOpen: config.maxOpen},
      schemas: {models: [Customer, Order]},
    },
    tenantId => ({
      [APPLICATION_NAME]: `${config.prefix}${tenantId}`,
      // Hundreds of sessions start on a loaded 2-core machine.
      connectionTimeoutMillis: 10000,
    }),
  );
  const schemas = await app.get(TenantRegistryBindings.TENANT_SCHEMAS);
  const pool = await app.get(TenantRegistryBindings.DATASOURCE_POOL);
  // The event loop's delay since the last reply: how long a ready request
  // waited for the migration's JavaScript (and the traffic's own).
  const loopDelay = monitorEventLoopDelay({resolution: 1});
  loopDelay.enable();
  const stats = () => {
    const usage = process.cpuUsage();
    const ms = (ns: number) => ns / 1e6;
    const delay = {
      p50Ms: ms(loopDelay.percentile(50)),
      p99Ms: ms(loopDelay.percentile(99)),
      maxMs: ms(loopDelay.max),
    };
    loopDelay.reset();
    const cpuMicros = usage.user + usage.system;
    return {pool: pool.getStats(), opened: [...opened], cpuMicros, delay};
  };
  process.on('message', (message: SchemasServerMessage) => {
    if (message === 'stats') {
      process.send!(stats());
    } else if (message === 'stop') {
      app.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    } else {
      const {migrate, concurrency} = message;
      schemas.migrate(migrate, {concurrency, createSchemas: true}).then(
        summary =>
          process.send!({
            ...stats(),
            summary: {
              ...summary,
              failed: summary.failed.map(({tenantId, error}) => ({
                tenantId,
                error: String((error as {code?: string}).code ?? error),
              })),
            },
          }),
        () => process.exit(1),
      );
    }
  });
  process.send!({url: app.restServer.url});
}

if (require.main === module) {
  serve(JSON.parse(process.argv[2])).catch(error => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
