// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * One instance of the fleet suite (bench/fleet.ts), in its own process: the
 * example store (each tenant's Order model with a nested address and items,
 * built on its first request) admitting any tenant, on the port given
 * (0 = any), with `maxTenants` and `protectionWindow` as given. Reports its
 * port over IPC, then answers `stats` (heapUsed after a full GC, with
 * --expose-gc, and its CPU time in microseconds) and `stop`.
 *
 *   node --expose-gc dist/bench/fleet-instance.js <port> <maxTenants> <protectionWindowMs>
 */

import {RestBindings} from '@loopback/rest';
import {StoreApplication} from '../examples/store/application';

async function main(): Promise<void> {
  const [port, maxTenants, protectionWindow] = process.argv
    .slice(2)
    .map(Number);
  const app = new StoreApplication({
    rest: {port, host: '127.0.0.1'},
    tenants: 'any',
    tenantRegistryOptions: {maxTenants, protectionWindow},
  });
  // 503 TENANT_CAPACITY is an expected answer here: log only the others.
  app
    .bind(RestBindings.SequenceActions.LOG_ERROR)
    .to((error: Error, statusCode: number) => {
      if (statusCode !== 503) process.stderr.write(`${error.stack}\n`);
    });
  await app.start();
  const gc = (globalThis as {gc?: () => void}).gc;
  process.on('message', (message: string) => {
    if (message === 'stats') {
      gc?.();
      const cpu = process.cpuUsage();
      process.send!({
        heapUsed: process.memoryUsage().heapUsed,
        cpuMicros: cpu.user + cpu.system,
      });
    } else if (message === 'stop') {
      app.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  process.send!({port: Number(new URL(app.restServer.url!).port)});
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
