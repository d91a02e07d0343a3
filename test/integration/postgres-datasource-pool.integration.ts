// Copyright loopback4-tenant-registry contributors. MIT License.

import type {juggler} from '@loopback/repository';
import {expect} from '@loopback/testlab';
import {EventEmitter} from 'node:events';
import {createServer, type Server, type Socket} from 'node:net';
import {ModelRegistry} from '../../src';
import {
  isConnectionError,
  isPoolBusyError,
} from '../../src/datasources/connection-errors';
import {TenantDataSourcePool} from '../../src/datasources/tenant-datasource-pool';
import {deferred, waitFor} from '../fixtures/async';
import {
  freePort,
  pgClient,
  pgPool,
  POSTGRES_SKIP_REASON,
  PostgresCluster,
} from '../fixtures/postgres';
import {
  givenSharedDatabase,
  provisionTenants,
  SHARED_DATABASE,
  TENANT_APPLICATION,
  tenantDataSource,
} from '../fixtures/postgres-app';

const describePg = POSTGRES_SKIP_REASON ? describe.skip : describe;
const SKIPPED = POSTGRES_SKIP_REASON
  ? ` (skipped: ${POSTGRES_SKIP_REASON})`
  : '';
type Pool = TenantDataSourcePool<juggler.DataSource>;

describePg(`TenantDataSourcePool on PostgreSQL (integration)${SKIPPED}`, () => {
  let cluster: PostgresCluster;
  let pool: Pool | undefined;

  before(async () => {
    cluster = await PostgresCluster.create();
    await givenSharedDatabase(cluster);
    await provisionTenants(cluster, 'schema', ['a', 'b']);
  });
  after(() => cluster?.destroy());
  afterEach(async () => {
    await pool?.stop();
    pool = undefined;
  });

  const config = (settings: object = {}) => ({
    ...{host: cluster.host, port: cluster.port, user: cluster.user},
    ...{database: SHARED_DATABASE, ...settings},
  });
  const failure = (work: () => Promise<unknown>) =>
    work().then(
      () => {
        throw new Error('expected a failure');
      },
      (error: unknown) => error,
    );
  const query = async (sql: string, settings: object = {}) => {
    const client = pgClient(config(settings));
    client.on('error', () => {});
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end().catch(() => {});
    }
  };

  it('isConnectionError() says yes to what a lost or refused connection really raises, isPoolBusyError() to a wait for a busy pool only', async () => {
    const closedPort = await freePort();
    const refused = await failure(() => query('SELECT 1', {port: closedPort}));
    const missing = await failure(() => query('SELECT 1', {database: 'nope'}));
    const terminated = await failure(() =>
      query('SELECT pg_terminate_backend(pg_backend_pid())'),
    );
    const busy = pgPool({...config(), max: 1, connectionTimeoutMillis: 500});
    const held = await busy.connect();
    const timedOut = await failure(() => busy.connect());
    held.release();
    await busy.end();
    for (const error of [
      refused,
      missing,
      terminated,
      timedOut,
      new AggregateError([refused], 'every address failed'),
      Object.assign(new Error('request failed'), {cause: refused}),
    ]) {
      expect(isConnectionError(error)).to.be.true();
      // Only a wait for a busy pool leaves the pool's connections fine.
      expect(isPoolBusyError(error)).to.equal(error === timedOut);
    }
  });

  it('isConnectionError() says no to query errors and to non-errors', async () => {
    const syntax = await failure(() => query('SELEC 1'));
    const divideByZero = await failure(() =>
      query('SELECT 1 FROM (VALUES (1), (1)) v(x) GROUP BY x HAVING 1/0 = 1'),
    );
    const canceled = await failure(() =>
      query("SET statement_timeout = '1ms'; SELECT pg_sleep(1)"),
    );
    for (const error of [
      syntax,
      divideByZero,
      canceled,
      undefined,
      'ECONNREFUSED',
      {},
    ]) {
      expect(isConnectionError(error)).to.be.false();
    }
  });

  it('answers 503 when the server accepts but never answers, and frees the slot once the close gives up', async () => {
    const silent = await givenSilentServer();
    pool = new TenantDataSourcePool(
      new ModelRegistry(),
      tenantId =>
        tenantDataSource({...cluster, port: silent.port}, 'schema', tenantId, {
          connectionTimeout: 50,
          connectionTimeoutMillis: 300,
        }),
      {maxOpen: 1, disconnectTimeout: 50},
    );
    const error = await failure(() => pool!.get('a'));
    expect(error).to.containDeep({code: 'TENANT_DATASOURCE_UNAVAILABLE'});
    await waitFor(() => pool!.getStats().slots === 0);
    silent.close();
  });

  it('closes a replaced DataSource that a response still holds after disconnectTimeout, and all on stop()', async () => {
    const registry = new ModelRegistry();
    pool = new TenantDataSourcePool(
      registry,
      tenantId => tenantDataSource(cluster, 'schema', tenantId),
      {disconnectTimeout: 50},
    );
    const neverCloses = new EventEmitter();
    const first = await pool.get('a', neverCloses);
    first.emit('error', Object.assign(new Error('read'), {code: 'ECONNRESET'}));
    const second = await pool.get('a');
    expect(second).to.not.equal(first);
    // Closed although still held, once its pool has ended.
    await waitFor(() => pool!.getStats().slots === 1);
    expect(first.connected).to.be.false();
    expect(pool.getStats()).to.containDeep({replaced: 1, live: 1});
    await pool.stop();
    expect(await cluster.connections(TENANT_APPLICATION)).to.equal(0);
    expect(pool.getStats()).to.containDeep({live: 0, slots: 0});
  });

  it('stop() fails the waiting requests and closes a DataSource that finishes opening afterwards', async () => {
    const gate = deferred();
    pool = new TenantDataSourcePool(
      new ModelRegistry(),
      async tenantId => {
        if (tenantId === 'a') await gate.promise;
        return tenantDataSource(cluster, 'schema', tenantId);
      },
      {maxOpen: 1, acquireTimeout: 10000},
    );
    const a = failure(() => pool!.get('a'));
    const b = failure(() => pool!.get('b'));
    await waitFor(() => pool!.getStats().waiting === 1);
    const stopping = pool.stop();
    gate.resolve();
    await stopping;
    expect(await b).to.containDeep({code: 'TENANT_DATASOURCE_UNAVAILABLE'});
    expect(await a).to.containDeep({code: 'TENANT_DATASOURCE_UNAVAILABLE'});
    expect(pool.getStats()).to.containDeep({live: 0, slots: 0, waiting: 0});
    expect(await cluster.connections(TENANT_APPLICATION)).to.equal(0);
  });
});

describe('TenantDataSourcePool with DataSources that are not juggler ones (integration)', () => {
  it('uses an object without connect() as is, and connects a callback-only one once', async () => {
    let connects = 0;
    const pool = new TenantDataSourcePool<object>(
      new ModelRegistry(),
      tenantId => {
        if (tenantId === 'plain') return {name: 'plain'};
        return {
          connect(callback: (error?: Error) => void) {
            connects++;
            callback(tenantId === 'down' ? new Error('refused') : undefined);
          },
        };
      },
    );
    expect(await pool.get('plain')).to.deepEqual({name: 'plain'});
    await pool.get('callback');
    await pool.get('callback');
    expect(connects).to.equal(1);
    await expect(pool.get('down')).to.be.rejectedWith({
      code: 'TENANT_DATASOURCE_UNAVAILABLE',
    });
    await pool.stop();
    expect(pool.getStats()).to.containDeep({live: 0, slots: 0, failures: 1});
  });

  it('fails with a programmer error, not a 503, when no factory is bound', async () => {
    const pool = new TenantDataSourcePool(new ModelRegistry(), {
      get: async () => undefined,
    });
    await expect(pool.get('a')).to.be.rejectedWith(/needs a factory/);
  });
});

/** A TCP server that accepts connections and never says a word. */
async function givenSilentServer(): Promise<{port: number; close(): void}> {
  const sockets = new Set<Socket>();
  const server: Server = createServer(socket => sockets.add(socket));
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as {port: number}).port,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
