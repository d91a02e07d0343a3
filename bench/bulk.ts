// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * Bulk suite (`npm run bench:bulk [-- --quick]`): every bulk path at 20,000
 * tenants (a model with 2 nested objects each, real juggler), measured by
 * the longest turn of the event loop while it runs (a setImmediate chain
 * times each turn, in wall time and in CPU time of the main thread), and
 * what a dashboard poll costs:
 *   - the idle pass, evict-all (the dashboard's, over HTTP), the fleet's
 *     resync after a gap, and the blocking evict-all kept for compatibility;
 *   - the suspended-set diff against 99,000 ids, alone and against a real
 *     redis-server (a suspend and a resume read a signed 99,000-entry hash);
 *   - `api/stats`: CPU per call of what the handler runs, and of the server
 *     per HTTP call (the client in another process), against 0.1.0's way.
 * The budgets: no turn above 20 ms, `api/stats` under 5 ms of CPU.
 */

import {performance} from 'node:perf_hooks';
import {RedisTenantEvents} from '../src';
import {dashboardStats} from '../src/controllers/dashboard.controller';
import {SuspendedTenants} from '../src/fleet/suspended-tenants';
import {TenantEventsObserver} from '../src/observers/tenant-events.observer';
import {
  callDashboard,
  givenBulkApp,
  serverCpuPerStatsCall,
  statsAsIn010,
  statsClient,
  type BulkApp,
} from './lib/bulk-app';
import {fillSuspendedHash, startBenchRedis} from './lib/bulk-redis';
import {measureLoopBlocks, type LoopBlocks} from './lib/loop-blocks';
import {isQuick, printTable, recordSuite} from './lib/report';

const TENANTS = isQuick() ? 1000 : 20000;
const SUSPENDED = isQuick() ? 5000 : 99000;
const STATS_CALLS = isQuick() ? 50 : 200;

/** CPU milliseconds (the process's) per call of `fn`, over `calls` calls. */
async function cpuPerCall(calls: number, fn: () => unknown): Promise<number> {
  await fn();
  const cpu = process.cpuUsage();
  for (let i = 0; i < calls; i++) await fn();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / calls;
}

async function statsCost(bench: BulkApp) {
  return {
    handlerMs: await cpuPerCall(STATS_CALLS, () =>
      dashboardStats(bench.registry, bench.manager, bench.options),
    ),
    server: await serverCpuPerStatsCall(bench, STATS_CALLS, __filename),
    asIn010Ms: await cpuPerCall(10, () => statsAsIn010(bench)),
  };
}

/** The diff of a suspended set of `SUSPENDED` ids, with one id more. */
async function diffAlone() {
  const ids = Array.from({length: SUSPENDED}, (_, i) => `s${i}`);
  const suspended = new SuspendedTenants();
  await suspended.replaceAllInSlices(ids, () => {});
  const sliced = await measureLoopBlocks(() =>
    suspended.replaceAllInSlices([...ids, 'one-more'], () => {}),
  );
  // 0.1.0's synchronous diff (SuspendedTenants.replaceAll).
  const current = new Set(ids);
  const whole = await measureLoopBlocks(() => {
    const next = new Set([...ids, 'one-more']);
    const added = [...next].filter(id => !current.has(id));
    const removed = [...current].filter(id => !next.has(id));
    return added.length + removed.length;
  });
  return {sliced, whole};
}

/** A start, a suspend and a resume through a real Redis holding a large hash. */
async function overRedis(bench: BulkApp) {
  const redis = await startBenchRedis();
  if (redis === undefined) return undefined;
  const signingKey = 'bench-signing-key-of-at-least-32-bytes';
  try {
    await fillSuspendedHash(redis.port, 'bench:', SUSPENDED, signingKey);
    const transport = new RedisTenantEvents({
      redis: {host: '127.0.0.1', port: redis.port},
      prefix: 'bench:',
      signingKey,
      startTimeout: 60000,
    });
    const suspended = new SuspendedTenants();
    const observer = new TenantEventsObserver(
      bench.registry,
      suspended,
      transport,
    );
    const start = await measureLoopBlocks(async () => {
      await observer.start();
      await observer.settled();
    });
    // What the admin service publishes; this instance follows the hash.
    const act = (type: 'suspend' | 'resume') =>
      measureLoopBlocks(async () => {
        await transport.publish({type, tenantId: 'tenant-7', instanceId: 'b'});
        while (suspended.has('tenant-7') !== (type === 'suspend')) {
          await new Promise(resolve => setTimeout(resolve, 1));
        }
        await observer.settled();
      });
    const suspend = await act('suspend');
    const resume = await act('resume');
    await observer.stop();
    return {start, suspend, resume, suspended: suspended.size};
  } finally {
    await redis.stop();
  }
}

export async function runBulkSuite() {
  const bench = await givenBulkApp();
  const runs: [string, LoopBlocks][] = [];
  const run = async (label: string, action: () => unknown) => {
    if (bench.registry.tenantCount === 0) bench.addTenants(TENANTS);
    // Idle for longer than maxIdleTime (1 ms).
    await new Promise(resolve => setTimeout(resolve, 5));
    const blocks = await measureLoopBlocks(action);
    runs.push([label, blocks]);
    return blocks;
  };
  bench.addTenants(TENANTS);
  const stats = await statsCost(bench);
  await run('idle pass (RegistryManager.runCleanupPass)', () =>
    bench.manager.runCleanupPass(),
  );
  const idleSliceMs = bench.registry.getStats().lastCleanup?.longestSliceMs;
  await run('evict-all: dashboard POST api/evict-all (in slices)', () =>
    callDashboard(bench.url, 'POST', 'evict-all'),
  );
  await run('fleet resync after a gap (TenantEventsObserver)', async () => {
    bench.resync({suspendedTenantIds: [], hasMissedEvictions: true});
    await bench.observer.settled();
  });
  await run('blocking evictAllTenants() (kept for compatibility)', () =>
    bench.manager.evictAllTenants(),
  );
  const diff = await diffAlone();
  runs.push([`suspended-set diff, ${SUSPENDED} ids, in slices`, diff.sliced]);
  runs.push(['same, as 0.1.0 (one synchronous diff)', diff.whole]);
  bench.addTenants(TENANTS);
  const redis = await overRedis(bench);
  if (redis !== undefined) {
    const read = `Redis: start, read ${redis.suspended} signed entries`;
    runs.push([read, redis.start]);
    runs.push(['Redis: suspend a tenant (HSCAN read + diff)', redis.suspend]);
    runs.push(['Redis: resume it', redis.resume]);
  }
  await bench.app.stop();
  report(runs, stats, redis !== undefined);
  const figures = {
    tenants: TENANTS,
    suspendedEntries: SUSPENDED,
    blocks: Object.fromEntries(runs),
    idleLongestSliceMs: idleSliceMs,
    statsCpuMs: stats,
  };
  recordSuite('bulk', figures);
  return figures;
}

function report(
  runs: [string, LoopBlocks][],
  stats: Awaited<ReturnType<typeof statsCost>>,
  hasRedis: boolean,
): void {
  printTable(
    `bulk: the longest event-loop turn while each runs, ${TENANTS} tenants (budget: 20 ms)`,
    [
      'action',
      'max turn ms',
      'max turn, main-thread CPU ms',
      'p90 busy turn, CPU ms',
      'longest GC ms',
      'turns',
      'CPU ms',
      'wall ms',
    ],
    runs.map(([label, r]) => [
      label,
      r.maxBlockMs.toFixed(1),
      r.maxBlockCpuMs.toFixed(1),
      r.p90BusyTurnCpuMs.toFixed(1),
      r.maxGcMs.toFixed(1),
      r.turns,
      r.cpuMs.toFixed(0),
      r.wallMs.toFixed(0),
    ]),
  );
  if (!hasRedis) {
    process.stdout.write(
      '(no redis-server here: the Redis rows are skipped)\n',
    );
  }
  printTable(
    `bulk: CPU of one dashboard api/stats at ${TENANTS} tenants (budget: 5 ms)`,
    ['what', 'CPU ms per call'],
    [
      ['the handler (dashboardStats)', stats.handlerMs.toFixed(3)],
      ['the server per HTTP call, main thread', stats.server.mainThreadMs],
      ['the server per HTTP call, whole process', stats.server.processMs],
      ['0.1.0: a line per tenant and two sorts', stats.asIn010Ms],
    ].map(([what, ms]) => [what, Number(ms).toFixed(3)]),
  );
}

if (require.main === module && process.argv[2] === '--stats-client') {
  statsClient(process.argv[3], Number(process.argv[4])).catch(error => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
} else if (require.main === module) {
  const started = performance.now();
  runBulkSuite()
    .then(() => {
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      process.stdout.write(`bulk suite: ${seconds} s\n`);
    })
    .catch(error => {
      process.stderr.write(`${error?.stack ?? error}\n`);
      process.exit(1);
    });
}
