// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * Tenant schemas on PostgreSQL (part of `npm run bench:datasources`; alone:
 * `npm run build && node dist/bench/schemas.js [--quick]`), the app in a
 * child process (bench/schemas-server.ts), schema per tenant, pools of 2,
 * `maxOpen` twice the live tenants:
 * - the time to create and migrate 200 tenant schemas (two entities with
 *   nested objects) at concurrency 1 and at half of maxOpen (above the service's default of at most 4),
 *   then a second run with nothing to do;
 * - latency and throughput of 20 live tenants (10 clients over HTTP on
 *   127.0.0.1) with no migration running, before and after, against while
 *   200 more tenants are migrated at half of maxOpen; 503
 *   `TENANT_DATASOURCE_UNAVAILABLE` counts the requests starved of a slot,
 *   and pg_stat_activity is sampled for the peak sessions.
 * `--quick` scales it down to 24 tenants. Skipped without PostgreSQL.
 */

import {fork} from 'node:child_process';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';
import {POSTGRES_SKIP_REASON, PostgresCluster} from '../test/fixtures/postgres';
import {
  givenSharedDatabase,
  provisionTenants,
} from '../test/fixtures/postgres-app';
import {tenantIds} from '../test/fixtures/schemas-app';
import {
  latencyFigures,
  postgresCpuSeconds,
  samplePeakSessions,
  sendTraffic,
  type TrafficWindow,
} from './lib/schemas-load';
import {isQuick, recordSuite} from './lib/report';
import {reportTenantSchemas} from './lib/schemas-report';
import type {SchemasServerConfig} from './schemas-server';

export const SCALE = isQuick()
  ? {
      tenants: 24,
      live: 6,
      clients: 4,
      maxOpen: 12,
      warmupSeconds: 0.5,
      windowSeconds: 2,
    }
  : {
      tenants: 200,
      live: 20,
      clients: 10,
      maxOpen: 40,
      warmupSeconds: 2,
      windowSeconds: 10,
    };
/** Half of maxOpen: more than the service's default (at most 4), on purpose. */
export const DEFAULT_CONCURRENCY = Math.floor(SCALE.maxOpen / 2);
const PREFIX = 'bench-schemas:';
const LIVE = tenantIds('live', SCALE.live);

interface ServerReply {
  url: string;
  pool: {closedForRoom: number; timeouts: number};
  /** Every tenant whose DataSource the factory built, in order. */
  opened: string[];
  cpuMicros: number;
  delay: {p50Ms: number; p99Ms: number; maxMs: number};
  summary?: {
    migrated: number;
    upToDate: number;
    failed: {tenantId: string; error: string}[];
    locked: string[];
    durationMs: number;
  };
}

/** The forked app: `ask` sends one message and waits for its reply. */
async function startServer(cluster: PostgresCluster) {
  const {host, port, user} = cluster;
  const config: SchemasServerConfig = {
    ...{host, port, user},
    prefix: PREFIX,
    maxOpen: SCALE.maxOpen,
  };
  const child = fork(
    path.join(__dirname, 'schemas-server.js'),
    [JSON.stringify(config)],
    {stdio: ['ignore', 'ignore', 'inherit', 'ipc']},
  );
  const reply = () =>
    new Promise<ServerReply>((resolve, reject) => {
      const exited = () => reject(new Error('the schemas server exited'));
      child.once('exit', exited);
      child.once('message', (message: ServerReply) => {
        child.removeListener('exit', exited);
        resolve(message);
      });
    });
  const {url} = await reply();
  return {
    url,
    ask(message: unknown): Promise<ServerReply> {
      const answer = reply();
      child.send(message as string);
      return answer;
    },
    async stop() {
      const exit = new Promise(done => child.once('exit', done));
      child.send('stop');
      await exit;
    },
  };
}
type Server = Awaited<ReturnType<typeof startServer>>;

/**
 * `activity` with the resources it used: peak sessions, CPU cores of the
 * server, PostgreSQL and this process (the clients), the server's event
 * loop delay, and the live tenants whose DataSources were reopened.
 */
async function measured<T>(
  cluster: PostgresCluster,
  server: Server,
  activity: () => Promise<T>,
) {
  const start = await server.ask('stats');
  const sessionsStart = await sessionsStarted(cluster);
  const pgStart = postgresCpuSeconds(cluster);
  const clientStart = process.cpuUsage();
  const started = performance.now();
  const sampling = samplePeakSessions(cluster, PREFIX, `${PREFIX}live-`);
  const result = await activity();
  const peak = await sampling.stop();
  const seconds = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientStart);
  const end = await server.ask('stats');
  const sessions = (await sessionsStarted(cluster)) - sessionsStart;
  const cores = (cpuSeconds: number) => cpuSeconds / seconds;
  return {
    result,
    resources: {
      peakSessions: peak.all,
      peakLiveSessions: peak.live,
      samples: peak.samples,
      liveLockWaitSamples: peak.liveLockWaits,
      serverCores: cores((end.cpuMicros - start.cpuMicros) / 1e6),
      postgresCores: cores(postgresCpuSeconds(cluster) - pgStart),
      clientCores: cores((client.user + client.system) / 1e6),
      loopDelay: end.delay,
      liveReopened: end.opened
        .slice(start.opened.length)
        .filter(id => LIVE.includes(id)).length,
      sessionsStarted: sessions,
      closedForRoom: end.pool.closedForRoom - start.pool.closedForRoom,
      slotTimeouts: end.pool.timeouts - start.pool.timeouts,
    },
  };
}

/** Sessions started on the tenants' database so far (counted at their end, or at least each second). */
async function sessionsStarted(cluster: PostgresCluster): Promise<number> {
  await sleep(1100); // the statistics of ending sessions are flushed
  const [row] = await cluster.query<{sessions: number}>(
    "SELECT sessions::int FROM pg_stat_database WHERE datname = 'tenants'",
  );
  return row.sessions;
}

/** One migration run (schemas created). */
async function migrate(server: Server, ids: string[], concurrency?: number) {
  concurrency ??= DEFAULT_CONCURRENCY;
  const {summary} = await server.ask({migrate: ids, concurrency});
  const {migrated, upToDate, failed, locked, durationMs} = summary!;
  return {
    concurrency,
    seconds: durationMs / 1000,
    tenantsPerSecond: ids.length / (durationMs / 1000),
    migrated,
    upToDate,
    failed: failed.length,
    failures: failed.slice(0, 5),
    locked: locked.length,
  };
}

/** Traffic's figures while a migration ran, and the migration's. */
function besideFigures(
  measurement: Awaited<ReturnType<typeof measured<BesideResult>>>,
) {
  return {
    ...latencyFigures(measurement.result.window),
    ...measurement.resources,
    migration: measurement.result.migration,
  };
}
type BesideResult = {
  window: TrafficWindow;
  migration: Awaited<ReturnType<typeof migrate>>;
};

/** Every figure of the suite, on `cluster` (one with a `tenants` database). */
export type TenantSchemaFigures = Awaited<
  ReturnType<typeof measureTenantSchemas>
>;

export async function measureTenantSchemas(cluster: PostgresCluster) {
  await provisionTenants(cluster, 'schema', LIVE);
  const server = await startServer(cluster);
  const run = (ids: string[], concurrency?: number) =>
    measured(cluster, server, () => migrate(server, ids, concurrency));
  const traffic = (until: Promise<unknown>) =>
    sendTraffic(server.url, LIVE, SCALE.clients, until);
  try {
    const one = await run(tenantIds('a', SCALE.tenants), 1);
    const ids = tenantIds('b', SCALE.tenants);
    const byDefault = await run(ids);
    const again = await run(ids);
    // Live traffic alone (before and after) and beside a third run.
    const seconds = Math.min(
      20,
      Math.max(SCALE.windowSeconds, byDefault.result.seconds),
    );
    const alone = () =>
      measured(cluster, server, () => traffic(sleep(seconds * 1000)));
    await traffic(sleep(SCALE.warmupSeconds * 1000));
    const before = await alone();
    const beside = (prefix: string, concurrency?: number) =>
      measured(cluster, server, async () => {
        const others = tenantIds(prefix, SCALE.tenants);
        const migration = migrate(server, others, concurrency);
        return {window: await traffic(migration), migration: await migration};
      });
    const during = await beside('c');
    const duringOne = await beside('d', 1);
    const after = await alone();
    const window = (w: typeof before) => ({
      ...latencyFigures(w.result),
      ...w.resources,
    });
    return {
      scale: SCALE,
      runs: [one, byDefault, again].map(r => ({...r.result, ...r.resources})),
      traffic: {
        before: window(before),
        migrating: besideFigures(during),
        migratingOne: besideFigures(duringOne),
        after: window(after),
      },
    };
  } finally {
    await server.stop();
  }
}

/** The suite on its own cluster, or on the datasources suite's. */
export async function runSchemasSuite(
  given?: PostgresCluster,
): Promise<unknown> {
  if (POSTGRES_SKIP_REASON !== undefined) {
    process.stdout.write(`\n### schemas: skipped (${POSTGRES_SKIP_REASON})\n`);
    return undefined;
  }
  const cluster = given ?? (await PostgresCluster.create(200));
  try {
    if (given === undefined) await givenSharedDatabase(cluster);
    const figures = await measureTenantSchemas(cluster);
    reportTenantSchemas(figures);
    recordSuite('schemas', figures);
    return figures;
  } finally {
    if (given === undefined) await cluster.destroy();
  }
}

if (require.main === module) {
  runSchemasSuite().catch(error => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
