// Copyright loopback4-tenant-registry contributors. MIT License.

/* eslint-disable no-console */
// The example's entry point (`npm start`): the one place that prints.

import {randomBytes} from 'node:crypto';
import {StoreApplication} from './application';
import {parseTenantList} from './tenant-catalog';

export async function main(): Promise<StoreApplication> {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  const tenants = parseTenantList(process.env.TENANTS ?? 'acme,globex');
  const dashboardToken =
    process.env.DASHBOARD_TOKEN ?? randomBytes(12).toString('base64url');
  const app = new StoreApplication({
    rest: {port, host, gracePeriodForClose: 2000},
    tenants,
    tenantRegistryOptions: {
      cleanupInterval: 60 * 1000,
      maxIdleTime: 5 * 60 * 1000,
      dashboard: {enabled: true, token: dashboardToken},
    },
  });
  await app.start();
  const url = app.restServer.url;
  console.log(
    [
      `Multi-tenant store at ${url}, tenants: ${tenants.join(', ')} ` +
        `(TENANTS=a,b to change; POST ${url}/tenants {"id":"x"} adds one).`,
      `Try:      curl -H 'x-tenant-id: acme' ${url}/orders`,
      `Health:   ${url}/health/tenant-registry`,
      `Metrics:  ${url}/tenant-registry/metrics`,
      `Explorer: ${url}/explorer`,
      `Dashboard: ${url}/tenant-registry/dashboard?token=${dashboardToken}` +
        (process.env.DASHBOARD_TOKEN
          ? ''
          : ' (DASHBOARD_TOKEN=... to choose it)'),
    ].join('\n'),
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
