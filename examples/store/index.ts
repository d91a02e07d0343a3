// Copyright loopback4-tenant-registry contributors. MIT License.

/* eslint-disable no-console */
// The example's entry point (`npm start`): the one place that prints.

import {StoreApplication} from './application';

export async function main(): Promise<StoreApplication> {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  const app = new StoreApplication({
    rest: {port, host, gracePeriodForClose: 2000},
    tenantRegistryOptions: {
      cleanupInterval: 60 * 1000,
      maxIdleTime: 5 * 60 * 1000,
      metrics: {path: '/metrics'},
    },
  });
  await app.start();
  const url = app.restServer.url;
  console.log(
    `Multi-tenant store at ${url} (health: ${url}/health/tenant-registry). ` +
      `Try: curl -H 'x-tenant-id: acme' ${url}/orders`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    await app.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => {
    stop('SIGINT').catch(console.error);
  });
  process.once('SIGTERM', () => {
    stop('SIGTERM').catch(console.error);
  });
  return app;
}

if (require.main === module) {
  main().catch(error => {
    console.error('Cannot start the example store:', error);
    process.exit(1);
  });
}
