// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * `npm run demo [-- --tenants=2000 --requests=3]`: the store driven with many
 * tenants, once on plain juggler and once with the tenant registry, each in a
 * fresh process, and a before/after table.
 */

import {execFileSync} from 'node:child_process';
import path from 'node:path';

interface Side {
  mode: string;
  tenants: number;
  requests: number;
  failed: number;
  baseline: number;
  afterTraffic: {anonymous: number; heap: number};
  afterCleanup: {anonymous: number; heap: number};
}

function option(name: string, fallback: number): number {
  const arg = process.argv.find(a => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.split('=')[1]) : fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name} must be a positive integer`);
  }
  return value;
}

function run(mode: string, tenants: number, requests: number): Side {
  const output = execFileSync(
    process.execPath,
    [
      '--expose-gc',
      path.join(__dirname, 'demo-run.js'),
      mode,
      String(tenants),
      String(requests),
    ],
    {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']},
  );
  return JSON.parse(output.trim().split('\n').pop()!);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function main(): void {
  const tenants = option('tenants', 2000);
  const requests = option('requests', 3);
  process.stdout.write(
    `Driving the example store: ${tenants} tenants x ${requests} requests each, ` +
      'plain juggler first, then with the tenant registry.\n',
  );
  const plain = run('plain', tenants, requests);
  const registry = run('registry', tenants, requests);
  const rows: [string, string, string][] = [
    [
      'requests (failed)',
      `${plain.requests} (${plain.failed})`,
      `${registry.requests} (${registry.failed})`,
    ],
    ['tenants', String(plain.tenants), String(registry.tenants)],
    [
      'anonymous models in builders',
      String(plain.afterTraffic.anonymous),
      String(registry.afterTraffic.anonymous),
    ],
    [
      'heap growth after GC',
      mb(plain.afterTraffic.heap - plain.baseline),
      mb(registry.afterTraffic.heap - registry.baseline),
    ],
    [
      'anonymous models after idle cleanup',
      String(plain.afterCleanup.anonymous),
      String(registry.afterCleanup.anonymous),
    ],
    [
      'heap growth after idle cleanup',
      mb(plain.afterCleanup.heap - plain.baseline),
      mb(registry.afterCleanup.heap - registry.baseline),
    ],
  ];
  const widths = [0, 1, 2].map(i =>
    Math.max(
      ...rows.map(r => r[i].length),
      ['', 'plain juggler', 'with tenant registry'][i].length,
    ),
  );
  const line = (cells: string[]) =>
    '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  process.stdout.write(
    [
      '',
      line(['', 'plain juggler', 'with tenant registry']),
      '|' + widths.map(w => '-'.repeat(w + 2)).join('|') + '|',
      ...rows.map(line),
      '',
    ].join('\n') + '\n',
  );
}

main();
