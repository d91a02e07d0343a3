// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {waitFor} from '../fixtures/async';
import {POSTGRES_SKIP_REASON, PostgresCluster} from '../fixtures/postgres';
import {givenSharedDatabase, provisionTenants} from '../fixtures/postgres-app';
import {
  activeQueries,
  answerReadyThenFatal,
  checkpointerPid,
  killActiveBackend,
  startTenantLoad,
  type Outcome,
  type TenantLoad,
} from '../fixtures/postgres-faults';
import {startPgServer, type PgServer} from '../fixtures/postgres-server';
import {startTcpProxy, type TcpProxy} from '../fixtures/tcp-proxy';

const describePg = POSTGRES_SKIP_REASON ? describe.skip : describe;
const SKIPPED = POSTGRES_SKIP_REASON
  ? ` (skipped: ${POSTGRES_SKIP_REASON})`
  : '';
const UNAVAILABLE = 'TENANT_DATASOURCE_UNAVAILABLE';
const TENANTS = Array.from({length: 8}, (_, i) => `d${i}`);
/** Per tenant; pools of 2, so 6 of the 8 wait in the pool. */
const CLIENTS = 8;
/**
 * Long enough that connections are checked out when the server dies, short
 * enough that a client waits in its pool well under the factory's
 * `connectionTimeoutMillis` (2000 ms): (8 / 2) x 250 ms.
 */
const SLOW_QUERY = '/pg-sleep?ms=250';

/*
 * The app runs in a child process (test/fixtures/postgres-server.ts, the
 * README's factory: lazyConnect, max 2, connectionTimeoutMillis,
 * application_name, no onError), so a crash is an exit that the test sees.
 */
describePg(
  `per-tenant DataSources on PostgreSQL: the server dies under load (acceptance)${SKIPPED}`,
  () => {
    let cluster: PostgresCluster;
    let server: PgServer | undefined;
    let load: TenantLoad | undefined;
    let proxy: TcpProxy | undefined;
    let isClusterDown = false;

    before(async () => {
      cluster = await PostgresCluster.create();
      await givenSharedDatabase(cluster);
      await provisionTenants(cluster, 'schema', TENANTS);
    });
    after(() => cluster?.destroy());
    afterEach(async () => {
      await load?.stop();
      await server?.stop();
      await proxy?.close();
      load = server = proxy = undefined;
      if (isClusterDown) await cluster.start();
      isClusterDown = false;
    });

    for (const mode of ['fast', 'immediate'] as const) {
      it(`answers 200 or 503 through pg_ctl stop -m ${mode} under load, and 200 for every tenant once PostgreSQL is back`, async () => {
        const app = (server = await startPgServer(cluster, Infinity));
        const clients = (load = givenLoad(app, SLOW_QUERY));
        await whileServing(everyPoolBusy);
        isClusterDown = true;
        await cluster.stop(mode);
        clients.phase = 'down';
        await whileServing(() => clients.within('down', 503).length >= 20);
        // The server accepts connections before pg_ctl returns: leave the
        // down phase first.
        clients.phase = 'back';
        await cluster.start();
        isClusterDown = false;
        await whileServing(() => clients.hasEveryTenantServed('back'));
        await clients.stop();

        expectOnly200Or503(clients.outcomes);
        expect(clients.within('down', 200)).to.have.length(0);
        expect(server.exited()).to.be.undefined();
      }).timeout(60000);
    }

    it('answers 200 or 503 through a kill -9 of one backend under load, and 200 for every tenant once PostgreSQL has reinitialized', async () => {
      const app = (server = await startPgServer(cluster, Infinity));
      const clients = (load = givenLoad(app, SLOW_QUERY));
      await whileServing(everyPoolBusy);
      const checkpointer = await checkpointerPid(cluster);
      expect(checkpointer).to.be.a.Number();
      await killActiveBackend(cluster, app.prefix);
      clients.phase = 'killed';
      // The postmaster ends every session and starts its processes again.
      await whileServing(async () => {
        const pid = await checkpointerPid(cluster);
        return pid !== undefined && pid !== checkpointer;
      });
      clients.phase = 'back';
      await whileServing(() => clients.hasEveryTenantServed('back'));
      await clients.stop();

      expectOnly200Or503(clients.outcomes);
      // The killed query's request at least.
      expect(clients.seen('up', 503).length).to.be.above(0);
      expect(server.exited()).to.be.undefined();
    }).timeout(60000);

    it('answers 503 when FATAL 57P01 arrives in the same read as ReadyForQuery while a DataSource opens, and 200 once the server answers', async () => {
      let fatalSessions = 0;
      proxy = await startTcpProxy(() => cluster.port);
      proxy.respondWith(answerReadyThenFatal(() => fatalSessions++));
      const address = {
        host: cluster.host,
        port: proxy.port,
        user: cluster.user,
      };
      const app = (server = await startPgServer(address, Infinity));
      const clients = (load = startTenantLoad(
        app.url,
        TENANTS.slice(0, 4),
        2,
        '/pg-notes',
      ));
      await whileServing(() => clients.within('up', 503).length >= 8);
      proxy.respondWith(undefined);
      clients.phase = 'back';
      await whileServing(() => clients.hasEveryTenantServed('back'));
      await clients.stop();

      expect(fatalSessions).to.be.above(0);
      expect(clients.within('up', 200)).to.have.length(0);
      expectOnly200Or503(clients.outcomes);
      for (const refused of clients.within('up', 503)) {
        expect(refused.retryAfter).to.equal('1');
      }
      expect(server.exited()).to.be.undefined();
    }).timeout(30000);

    function givenLoad(app: PgServer, path: string): TenantLoad {
      return startTenantLoad(app.url, TENANTS, CLIENTS, path);
    }

    /** Every tenant pool has both its connections in a query. */
    async function everyPoolBusy(): Promise<boolean> {
      return (
        (await activeQueries(cluster, server!.prefix)) >= TENANTS.length * 2
      );
    }

    /** `waitFor`, failing at once when the app process has exited. */
    function whileServing(
      condition: () => boolean | Promise<boolean>,
    ): Promise<void> {
      return waitFor(() => {
        const exited = server!.exited();
        if (exited !== undefined) {
          throw new Error(`the app process exited (${exited})`);
        }
        return condition();
      }, 20000);
    }
  },
);

/**
 * Every answer is a 200 or a 503 with the stable code and `Retry-After`
 * (a query cut off mid-way too); no request failed.
 */
function expectOnly200Or503(outcomes: Outcome[]): void {
  const others = outcomes.filter(
    o =>
      o.status !== 200 &&
      !(o.status === 503 && o.code === UNAVAILABLE && o.retryAfter === '1'),
  );
  expect(others.slice(0, 5)).to.deepEqual([]);
}
