// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * `npm run soak [-- --minutes=10]`: the store under steady traffic over
 * ever-new tenants with cleanup on, sampling RSS and heap; prints the slope
 * after warm-up. Not part of `npm test`.
 */

import {TenantRegistryBindings} from '../../src';
import {StoreApplication} from './application';

const WORKERS = 8;
const SAMPLE_MS = 5000;

function option(name: string, fallback: number): number {
  const arg = process.argv.find(a => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const minutes = option('minutes', 10);
  const app = new StoreApplication({
    rest: {port: 0, host: '127.0.0.1'},
    tenants: 'any',
    tenantRegistryOptions: {cleanupInterval: 2000, maxIdleTime: 5000},
  });
  await app.start();
  const url = app.restServer.url!;
  const registry = await app.get(TenantRegistryBindings.REGISTRY);
  const gc = (global as {gc?: () => void}).gc;
  const started = Date.now();
  const deadline = started + minutes * 60 * 1000;
  let tenantCounter = 0;
  let requests = 0;
  let failures = 0;
  const samples: {minute: number; rssMb: number; heapMb: number}[] = [];
  const sample = () => {
    gc?.();
    const {rss, heapUsed} = process.memoryUsage();
    const s = {
      minute: (Date.now() - started) / 60000,
      rssMb: rss / 1048576,
      heapMb: heapUsed / 1048576,
    };
    samples.push(s);
    const stats = registry.getStats();
    process.stdout.write(
      `${s.minute.toFixed(2)} min  rss ${s.rssMb.toFixed(1)} MB  heap ${s.heapMb.toFixed(1)} MB  ` +
        `requests ${requests} (failed ${failures})  tenants seen ${tenantCounter}  ` +
        `live ${stats.tenantScopes}  models ${stats.globalModels + stats.totalTenantModels}\n`,
    );
  };
  const timer = setInterval(sample, SAMPLE_MS);
  const post = async (tenantId: string, path: string, body: object) => {
    const res = await fetch(url + path, {
      method: 'POST',
      headers: {'x-tenant-id': tenantId, 'content-type': 'application/json'},
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    requests++;
    if (!res.ok) failures++;
  };
  await Promise.all(
    Array.from({length: WORKERS}, async () => {
      while (Date.now() < deadline) {
        const tenantId = `soak-${tenantCounter++}`;
        const order = {
          customer: tenantId,
          address: {street: '1 Main St', city: 'Springfield'},
          items: [{sku: 'A', qty: 1}],
        };
        await post(tenantId, '/orders', order);
        await post(tenantId, '/custom-fields', {name: 'note', type: 'string'});
        await post(tenantId, '/orders', {...order, note: 'x'});
      }
    }),
  );
  clearInterval(timer);
  sample();
  await app.stop();
  const warm = samples.filter(s => s.minute >= minutes / 4);
  const heapSlope = slope(warm.map(s => [s.minute, s.heapMb]));
  const rssSlope = slope(warm.map(s => [s.minute, s.rssMb]));
  process.stdout.write(
    `\nsoak: ${minutes} min, ${requests} requests (${failures} failed), ${tenantCounter} tenants\n` +
      `slope after warm-up: heap ${heapSlope.toFixed(3)} MB/min, rss ${rssSlope.toFixed(3)} MB/min\n`,
  );
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
