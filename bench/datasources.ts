// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * Per-tenant DataSources on PostgreSQL (`npm run bench:datasources [-- --quick]`),
 * against a throwaway cluster (test/fixtures/postgres.ts), with LB4 servers
 * in child processes (test/fixtures/postgres-server.ts), schema per tenant,
 * pools of 2:
 * - first request of a tenant (its DataSource opened) against a warm one:
 *   sequential requests in alternating batches (cold tenants, then the same
 *   tenants warm), latency and server CPU per request;
 * - throughput with `maxOpen: 20` over 60 tenants in round robin (every
 *   request reopens a DataSource) against no cap, in alternating rounds;
 * - 300 tenants on a server allowing 200 connections: no cap against the cap;
 * - then, on the same cluster, the tenant schemas suite (bench/schemas.ts).
 * `--quick` (the smoke run of `npm test`) scales everything down by 2.5.
 * Skipped with a message where PostgreSQL is not installed.
 */

import autocannon from 'autocannon';
import {performance} from 'node:perf_hooks';
import {POSTGRES_SKIP_REASON, PostgresCluster} from '../test/fixtures/postgres';
import {
  givenSharedDatabase,
  provisionTenants,
} from '../test/fixtures/postgres-app';
import {
  startPgServer,
  type PgServer as Server,
} from '../test/fixtures/postgres-server';
import {fixed, isQuick, printTable, recordSuite, summarize} from './lib/report';
import {runSchemasSuite} from './schemas';
import {showFigure, type Figure} from './lib/timing';

/** The figures above, or a smaller smoke run. */
const SCALE = isQuick()
  ? {maxConnections: 80, churnTenants: 24, maxOpen: 8, overloadTenants: 120}
  : {maxConnections: 200, churnTenants: 60, maxOpen: 20, overloadTenants: 300};

const ids = (prefix: string, n: number) =>
  Array.from({length: n}, (_, i) => `${prefix}-${i}`);

async function timedGet(server: Server, tenantId: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(`${server.url}/pg-notes`, {
    headers: {'x-tenant-id': tenantId},
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${tenantId}: ${res.status}`);
  return performance.now() - start;
}

/** Cold batches (DataSources opened) and warm batches of the same tenants. */
async function firstRequest(
  cluster: PostgresCluster,
  pairs: number,
  batch: number,
) {
  const server = await startPgServer(cluster, Infinity);
  const cold: number[] = [];
  const warm: number[] = [];
  const cpu = {cold: [] as number[], warm: [] as number[]};
  const ratios: number[] = [];
  try {
    for (let pair = -1; pair < pairs; pair++) {
      await server.reset();
      // Fresh tenants each pair (the first pair warms the server up).
      const tenants = Array.from(
        {length: batch},
        (_, i) => `t-${(pair + 1) * batch + i}`,
      );
      const run = async (into: number[], cpuInto: number[]) => {
        const before = await server.cpuMicros();
        const times: number[] = [];
        for (const tenantId of tenants)
          times.push(await timedGet(server, tenantId));
        if (pair >= 0) {
          into.push(...times);
          cpuInto.push(((await server.cpuMicros()) - before) / batch);
        }
        return summarize(times).median;
      };
      const c = await run(cold, cpu.cold);
      const w = await run(warm, cpu.warm);
      if (pair >= 0) ratios.push(c / w);
    }
  } finally {
    await server.stop();
  }
  return {
    coldMs: summarize(cold),
    warmMs: summarize(warm),
    ratio: summarize(ratios),
    cpuMicrosCold: summarize(cpu.cold),
    cpuMicrosWarm: summarize(cpu.warm),
  };
}

interface Round {
  rps: number;
  p99: number;
  errors: number;
  cpuMicrosPerRequest: number;
  peakConnections: number;
}

/**
 * autocannon, 20 connections, tenants in round robin, for `seconds` or
 * `amount` requests; pg_stat_activity sampled every 25 ms for the server's
 * connections.
 */
async function round(
  cluster: PostgresCluster,
  server: Server,
  tenants: string[],
  limit: {seconds: number} | {amount: number},
): Promise<Round> {
  let next = 0;
  let peak = 0;
  const sample = () =>
    cluster.connections(server.prefix).then(n => (peak = Math.max(peak, n)));
  const sampler = setInterval(() => {
    sample().catch(() => {});
  }, 25);
  const before = await server.cpuMicros();
  const started = performance.now();
  const result = await autocannon({
    url: server.url,
    connections: 20,
    ...('seconds' in limit ? {duration: limit.seconds} : limit),
    requests: [
      {
        method: 'GET',
        path: '/pg-notes',
        setupRequest: request => ({
          ...request,
          headers: {
            ...request.headers,
            'x-tenant-id': tenants[next++ % tenants.length],
          },
        }),
      },
    ],
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = (await server.cpuMicros()) - before;
  clearInterval(sampler);
  await sample();
  return {
    rps: result['2xx'] / seconds,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    cpuMicrosPerRequest: cpu / Math.max(1, result.requests.total),
    peakConnections: peak,
  };
}

/**
 * Alternating rounds over 60 tenants: no cap (every DataSource stays open)
 * against `maxOpen: 20` (every request reopens one), 20 clients.
 */
async function churn(cluster: PostgresCluster, pairs: number, seconds: number) {
  const tenants = ids('t', SCALE.churnTenants);
  const uncapped = await startPgServer(cluster, Infinity);
  const capped = await startPgServer(cluster, SCALE.maxOpen);
  const a: Round[] = [];
  const b: Round[] = [];
  try {
    for (const tenantId of tenants) await timedGet(uncapped, tenantId);
    await round(cluster, uncapped, tenants, {seconds: 1});
    await round(cluster, capped, tenants, {seconds: 1});
    for (let i = 0; i < pairs; i++) {
      const [first, second] =
        i % 2 === 0 ? [uncapped, capped] : [capped, uncapped];
      for (const server of [first, second]) {
        const r = await round(cluster, server, tenants, {seconds});
        (server === uncapped ? a : b).push(r);
      }
    }
  } finally {
    await uncapped.stop();
    await capped.stop();
  }
  return {
    uncapped: a,
    capped: b,
    ratio: summarize(a.map((r, i) => b[i].rps / r.rps)),
  };
}

/** Each of 300 tenants once, against max_connections 200: no cap, the cap. */
async function overload(cluster: PostgresCluster) {
  const rows: Record<string, Round> = {};
  for (const maxOpen of [Infinity, SCALE.maxOpen]) {
    const server = await startPgServer(cluster, maxOpen);
    try {
      rows[maxOpen === Infinity ? 'uncapped' : 'capped'] = await round(
        cluster,
        server,
        ids('t', SCALE.overloadTenants),
        {amount: SCALE.overloadTenants},
      );
    } finally {
      await server.stop();
    }
  }
  return rows;
}

export async function runDataSourcesSuite(): Promise<unknown> {
  if (POSTGRES_SKIP_REASON !== undefined) {
    process.stdout.write(
      `\n### datasources: skipped (${POSTGRES_SKIP_REASON})\n`,
    );
    return undefined;
  }
  const quick = isQuick();
  const cluster = await PostgresCluster.create(SCALE.maxConnections);
  try {
    await givenSharedDatabase(cluster);
    await provisionTenants(cluster, 'schema', ids('t', SCALE.overloadTenants));
    const first = await firstRequest(cluster, quick ? 2 : 10, 10);
    const churned = await churn(cluster, quick ? 1 : 5, quick ? 1 : 2);
    const overloaded = await overload(cluster);
    const figures = {first, churn: churned, overload: overloaded};
    report(figures);
    recordSuite('datasources', figures);
    await runSchemasSuite(cluster);
    return figures;
  } finally {
    await cluster.destroy();
  }
}

function report(figures: {
  first: Awaited<ReturnType<typeof firstRequest>>;
  churn: Awaited<ReturnType<typeof churn>>;
  overload: Record<string, Round>;
}) {
  const {first, churn: c, overload: o} = figures;
  const med = (rounds: Round[], key: keyof Round) =>
    summarize(rounds.map(r => r[key]));
  const f = (figure: Figure, digits = 1) => showFigure(figure, digits);
  printTable(
    'datasources: first request (DataSource opened) vs warm, sequential, schema per tenant, pools of 2',
    ['figure', 'median (min-max)'],
    [
      ['first request ms', f(first.coldMs, 2)],
      ['warm request ms', f(first.warmMs, 2)],
      ['ratio first / warm (per batch)', f(first.ratio, 2)],
      ['server CPU us/request first', f(first.cpuMicrosCold, 0)],
      ['server CPU us/request warm', f(first.cpuMicrosWarm, 0)],
    ],
  );
  printTable(
    `datasources: ${SCALE.churnTenants} tenants round robin, 20 connections, maxOpen ${SCALE.maxOpen} (every request reopens) vs no cap, alternating rounds`,
    ['figure', 'no cap', `maxOpen ${SCALE.maxOpen}`],
    [
      ['req/s', f(med(c.uncapped, 'rps'), 0), f(med(c.capped, 'rps'), 0)],
      ['p99 ms', f(med(c.uncapped, 'p99'), 0), f(med(c.capped, 'p99'), 0)],
      [
        'server CPU us/request',
        f(med(c.uncapped, 'cpuMicrosPerRequest'), 0),
        f(med(c.capped, 'cpuMicrosPerRequest'), 0),
      ],
      [
        'peak tenant connections (pg_stat_activity)',
        f(med(c.uncapped, 'peakConnections'), 0),
        f(med(c.capped, 'peakConnections'), 0),
      ],
      [
        'errors',
        String(c.uncapped.reduce((n, r) => n + r.errors, 0)),
        String(c.capped.reduce((n, r) => n + r.errors, 0)),
      ],
      ['throughput ratio (capped / no cap)', '', f(c.ratio, 3)],
    ],
  );
  printTable(
    `datasources: each of ${SCALE.overloadTenants} tenants once, 20 connections, against max_connections ${SCALE.maxConnections}`,
    ['figure', 'no cap', `maxOpen ${SCALE.maxOpen}`],
    [
      ['req/s', fixed(o.uncapped.rps, 0), fixed(o.capped.rps, 0)],
      [
        'non-2xx and errors',
        String(o.uncapped.errors),
        String(o.capped.errors),
      ],
      [
        'peak tenant connections',
        String(o.uncapped.peakConnections),
        String(o.capped.peakConnections),
      ],
    ],
  );
}

if (require.main === module) {
  runDataSourcesSuite().catch(error => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
