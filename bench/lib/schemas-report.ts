// Copyright loopback4-tenant-registry contributors. MIT License.

import os from 'node:os';
import path from 'node:path';
import {DEFAULT_CONCURRENCY, SCALE, type TenantSchemaFigures} from '../schemas';
import {fixed, printTable} from './report';

/** The suite's two tables, and the command and machine that produced them. */
export function reportTenantSchemas(figures: TenantSchemaFigures): void {
  const {runs, traffic} = figures;
  const {tenants, live, clients, maxOpen} = SCALE;
  const cores = (r: (typeof runs)[0]) =>
    `${fixed(r.serverCores, 2)} / ${fixed(r.postgresCores, 2)}`;
  printTable(
    `schemas: ${tenants} tenant schemas created and migrated (2 entities with nested objects), maxOpen ${maxOpen}, pools of 2, no traffic`,
    [
      ...['run', 'concurrency', 'seconds', 'tenants/s', 'migrated'],
      ...[
        'up to date',
        'failed',
        'peak sessions',
        'sessions started',
        'CPU cores app / PostgreSQL',
      ],
    ],
    runs.map((r, i) => [
      ['create + migrate', 'create + migrate', 'again, all current'][i],
      r.concurrency === DEFAULT_CONCURRENCY
        ? `${r.concurrency} (half of maxOpen)`
        : r.concurrency,
      fixed(r.seconds, 1),
      fixed(r.tenantsPerSecond, 1),
      r.migrated,
      r.upToDate,
      r.failed,
      r.peakSessions,
      r.sessionsStarted,
      cores(r),
    ]),
  );
  const windows = [
    traffic.before,
    traffic.migrating,
    traffic.migratingOne,
    traffic.after,
  ];
  const row = (
    label: string,
    cell: (w: (typeof windows)[0]) => string | number,
  ) => [label, ...windows.map(cell)];
  printTable(
    `schemas: ${live} live tenants, ${clients} clients (GET /pg-notes over HTTP on 127.0.0.1), alone vs while ${tenants} other tenants are migrated`,
    [
      ...['figure', 'alone (before)'],
      ...[`migrating, ${DEFAULT_CONCURRENCY} at once`, 'migrating, 1 at once'],
      'alone (after)',
    ],
    [
      row('seconds', w => fixed(w.seconds, 1)),
      row('requests', w => w.requests),
      row('200 per second', w => fixed(w.okPerSecond, 0)),
      row('p50 ms', w => fixed(w.p50Ms, 1)),
      row('p99 ms', w => fixed(w.p99Ms, 1)),
      row('max ms', w => fixed(w.maxMs, 0)),
      row('503 TENANT_DATASOURCE_UNAVAILABLE', w => w.unavailable),
      row('other non-200', w => w.otherErrors),
      row('peak sessions (all / live tenants)', w =>
        [w.peakSessions, w.peakLiveSessions].join(' / '),
      ),
      row('live DataSources reopened', w => w.liveReopened),
      row(
        'samples with a live session waiting on a lock',
        w => `${w.liveLockWaitSamples} of ${w.samples}`,
      ),
      row('app event loop delay p99 ms', w => fixed(w.loopDelay.p99Ms, 1)),
      row('CPU cores app / PostgreSQL / clients', w =>
        [w.serverCores, w.postgresCores, w.clientCores]
          .map(c => fixed(c, 2))
          .join(' / '),
      ),
      row(
        'sessions started (pg_stat_database, approx.)',
        w => w.sessionsStarted,
      ),
      row('tenants migrated / failed', w => {
        const {migration: m} = w as {
          migration?: {migrated: number; failed: number};
        };
        return m ? `${m.migrated} / ${m.failed}` : '';
      }),
    ],
  );
  const cpus = os.cpus();
  const load = os.loadavg().map(l => fixed(l, 1));
  const command = ['node', ...process.argv.slice(1)]
    .map(arg => (path.isAbsolute(arg) ? path.relative('.', arg) : arg))
    .join(' ');
  process.stdout.write(
    `${command}: Node ${process.version}, ${cpus.length} cores (${cpus[0]?.model}), load average ${load.join(' ')}\n`,
  );
}
