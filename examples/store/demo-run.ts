// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * One side of `npm run demo`, in its own process (node --expose-gc): boots
 * the store with or without the tenant registry, drives it over HTTP with
 * many tenants, and prints one JSON line of figures.
 *
 *   node --expose-gc dist/examples/store/demo-run.js <registry|plain> <tenants> <requests>
 */

import {TenantRegistryBindings} from '../../src';
import {StoreApplication} from './application';

const WORKERS = 8;
const IDLE_MS = 300;

async function heapUsed(): Promise<number> {
  const gc = (global as {gc?: () => void}).gc;
  if (gc === undefined) throw new Error('run node with --expose-gc');
  await new Promise(resolve => setImmediate(resolve));
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const [mode, tenantsArg, requestsArg] = process.argv.slice(2);
  const tenants = Number(tenantsArg);
  const requests = Number(requestsArg);
  const withRegistry = mode === 'registry';
  const app = new StoreApplication({
    rest: {port: 0, host: '127.0.0.1'},
    tenantRegistry: withRegistry,
    tenants: 'any',
    tenantRegistryOptions: {cleanupInterval: 0, maxIdleTime: IDLE_MS},
  });
  await app.start();
  const url = app.restServer.url!;
  const builder = (
    (await app.get('datasources.db')) as {
      modelBuilder: {models: Record<string, unknown>};
    }
  ).modelBuilder;
  const anonymous = () =>
    Object.keys(builder.models).filter(n => n.startsWith('AnonymousModel_'))
      .length;

  const total = tenants * requests;
  let done = 0;
  let failed = 0;
  let isWarmingUp = true;
  const send = async (tenantId: string, r: number) => {
    const headers = {
      'x-tenant-id': tenantId,
      'content-type': 'application/json',
    };
    const kind = r % 3;
    const body =
      kind === 1
        ? {name: `field${r}`, type: 'string'}
        : {
            customer: `customer of ${tenantId}`,
            address: {street: '1 Main St', city: 'Springfield', zip: '12345'},
            items: [{sku: 'A-1', qty: 2, price: 9.5}],
            ...(r > 0 && {[`field${r - 1}`]: 'custom value'}),
          };
    const path = kind === 1 ? '/custom-fields' : '/orders';
    const res = await fetch(url + path, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (!res.ok) failed++;
    if (isWarmingUp) return;
    if (++done % 250 === 0 || done === total) {
      process.stderr.write(
        `\r  ${withRegistry ? 'with tenant registry' : 'plain juggler       '}: ${done}/${total} requests`,
      );
    }
  };
  const drive = async (prefix: string, count: number) => {
    let next = 0;
    await Promise.all(
      Array.from({length: WORKERS}, async () => {
        while (next < count) {
          const tenantId = `${prefix}-${next++}`;
          for (let r = 0; r < requests; r++) await send(tenantId, r);
        }
      }),
    );
  };
  const idleCleanup = async () => {
    if (!withRegistry) return;
    await new Promise(resolve => setTimeout(resolve, IDLE_MS + 50));
    const manager = await app.get(TenantRegistryBindings.REGISTRY_MANAGER);
    await manager.runCleanupPass();
  };

  // Warm up (modules, JIT, sockets) with throwaway tenants so the baseline
  // holds the fixed costs; their models are left out of the counts.
  await drive('warmup', WORKERS * 2);
  await idleCleanup();
  isWarmingUp = false;
  const baseline = await heapUsed();
  const anonymousBaseline = anonymous();

  await drive('tenant', tenants);
  process.stderr.write('\n');
  const afterTraffic = {
    anonymous: anonymous() - anonymousBaseline,
    heap: await heapUsed(),
  };
  await idleCleanup();
  const afterCleanup = {
    anonymous: anonymous() - anonymousBaseline,
    heap: await heapUsed(),
  };
  await app.stop();
  process.stdout.write(
    JSON.stringify({
      mode,
      tenants,
      requests: total,
      failed,
      baseline,
      afterTraffic,
      afterCleanup,
    }) + '\n',
  );
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
