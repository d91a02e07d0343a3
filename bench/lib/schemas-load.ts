// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The measuring parts of the tenant schemas bench (bench/schemas.ts): HTTP
 * clients for the live tenants, latency figures, peak sessions from
 * pg_stat_activity, and PostgreSQL's CPU time.
 */

import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';
import type {PostgresCluster} from '../../test/fixtures/postgres';

const UNAVAILABLE = 'TENANT_DATASOURCE_UNAVAILABLE';

/** What {@link sendTraffic} saw: every latency, and answers by status. */
export interface TrafficWindow {
  latencies: number[];
  /** `200`, or `<status> <error code>`. */
  statuses: Record<string, number>;
  seconds: number;
}

/**
 * `clients` loops of `GET <url>/pg-notes` over `tenants` (round robin)
 * until `until` settles.
 */
export async function sendTraffic(
  url: string,
  tenants: string[],
  clients: number,
  until: Promise<unknown>,
): Promise<TrafficWindow> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let isRunning = true;
  const started = performance.now();
  const loops = Array.from({length: clients}, async (_, client) => {
    for (let i = client; isRunning; i += clients) {
      const start = performance.now();
      const res = await fetch(`${url}/pg-notes`, {
        headers: {'x-tenant-id': tenants[i % tenants.length]},
      });
      const body = (await res.json()) as {error?: {code?: string}};
      latencies.push(performance.now() - start);
      const key =
        res.status === 200 ? '200' : `${res.status} ${body.error?.code}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
  });
  await until.finally(() => (isRunning = false));
  await Promise.all(loops);
  return {latencies, statuses, seconds: (performance.now() - started) / 1000};
}

/** p50, p99, max, 200s per second and failures of one or more windows. */
export function latencyFigures(...windows: TrafficWindow[]) {
  const sorted = windows.flatMap(w => w.latencies).sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const count = (isCounted: (status: string) => boolean) =>
    windows
      .flatMap(w => Object.entries(w.statuses))
      .reduce((n, [status, c]) => (isCounted(status) ? n + c : n), 0);
  const seconds = windows.reduce((sum, w) => sum + w.seconds, 0);
  return {
    requests: sorted.length,
    okPerSecond: count(s => s === '200') / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted[sorted.length - 1],
    unavailable: count(s => s.endsWith(UNAVAILABLE)),
    otherErrors: count(s => s !== '200' && !s.endsWith(UNAVAILABLE)),
    seconds,
  };
}

/**
 * Peak client sessions whose application_name starts with `prefix`, and
 * with `livePrefix`, sampled back to back until `stop()`; also in how many
 * samples a live session waited for a lock (DDL holding a catalog lock).
 */
export function samplePeakSessions(
  cluster: PostgresCluster,
  prefix: string,
  livePrefix: string,
) {
  const peak = {all: 0, live: 0, samples: 0, liveLockWaits: 0};
  let isRunning = true;
  const loop = (async () => {
    while (isRunning) {
      const [row] = await cluster.query<Record<string, number>>(
        `SELECT count(*)::int AS all,
                count(*) FILTER (WHERE starts_with(application_name, $2))::int AS live,
                count(*) FILTER (WHERE starts_with(application_name, $2)
                                 AND wait_event_type = 'Lock')::int AS locked
         FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND starts_with(application_name, $1)`,
        [prefix, livePrefix],
      );
      peak.all = Math.max(peak.all, row.all);
      peak.live = Math.max(peak.live, row.live);
      peak.samples++;
      if (row.locked > 0) peak.liveLockWaits++;
      await sleep(10);
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

/**
 * CPU seconds the cluster's processes used so far: the postmaster, its
 * live backends, and (through the postmaster's `cutime`/`cstime`) the
 * backends it already reaped. NaN where /proc is not readable.
 */
export function postgresCpuSeconds(cluster: PostgresCluster): number {
  try {
    const pidFile = path.join(cluster.dataDir, 'postmaster.pid');
    const postmaster = readFileSync(pidFile, 'utf8').split('\n')[0];
    let ticks = 0;
    for (const pid of readdirSync('/proc').filter(p => /^\d+$/.test(p))) {
      const fields = procStat(pid);
      if (fields === undefined) continue;
      // Fields after the command: 4 ppid, 14 utime, 15 stime, 16 cutime, 17 cstime.
      if (pid === postmaster) {
        ticks += fields[11] + fields[12] + fields[13] + fields[14];
      } else if (String(fields[1]) === postmaster) {
        ticks += fields[11] + fields[12];
      }
    }
    return ticks / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Fields 3 on of /proc/<pid>/stat as numbers (the state is NaN). */
function procStat(pid: string): number[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
  } catch {
    return undefined; // it ended meanwhile
  }
}
