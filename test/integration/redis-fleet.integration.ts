// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {fork, spawn, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {createServer} from 'node:net';
import path from 'node:path';
import {waitFor} from '../fixtures/async';

const REDIS = '/usr/bin/redis-server';
const INSTANCE = path.resolve(__dirname, '../fixtures/fleet-instance.js');
const ORDER = {address: {street: 's', city: 'c'}, items: [{sku: 'x', qty: 1}]};

interface Instance {
  child: ChildProcess;
  url: string;
  call(op: string, tenantId?: string): Promise<Record<string, unknown>>;
}

describe('tenant events across a fleet over Redis (integration; skipped where redis-server cannot be installed, see scripts/ensure-test-packages.sh)', () => {
  let port: number;
  let redis: ChildProcess | undefined;
  const instances: Instance[] = [];

  before(async function () {
    // eslint-disable-next-line @typescript-eslint/no-invalid-this
    if (!existsSync(REDIS)) return this.skip();
    port = await freePort();
    redis = await startRedis(port);
    for (let i = 0; i < 3; i++) instances.push(await startInstance(port));
  });

  after(async () => {
    await Promise.all(instances.map(i => i.call('stop').catch(() => {})));
    redis?.kill('SIGKILL');
  });

  const status = async (instance: Instance, tenantId: string) =>
    (await fetch(`${instance.url}/probe`, {headers: {'x-tenant-id': tenantId}}))
      .status;

  async function givenTenantOnAll(tenantId: string) {
    for (const instance of instances) {
      const res = await fetch(`${instance.url}/orders`, {
        method: 'POST',
        headers: {'x-tenant-id': tenantId, 'content-type': 'application/json'},
        body: JSON.stringify(ORDER),
      });
      expect(res.status).to.equal(200);
      expect((await instance.call('tenants')).tenants).to.containEql(tenantId);
    }
  }

  async function releasedEverywhere(tenantId: string) {
    await waitFor(async () => {
      for (const instance of instances) {
        const {tenants} = await instance.call('tenants');
        if ((tenants as string[]).includes(tenantId)) return false;
      }
      return true;
    }, 1000);
  }

  it('an evict published on one instance releases the tenant on all within a second', async () => {
    await givenTenantOnAll('acme');
    await instances[0].call('evict', 'acme');
    await releasedEverywhere('acme');
  });

  it('suspend makes every instance (and a new one) answer 403, resume restores it', async () => {
    await givenTenantOnAll('globex');
    await instances[1].call('suspend', 'globex');
    await waitFor(async () => {
      const answers = await Promise.all(
        instances.map(i => status(i, 'globex')),
      );
      return answers.every(s => s === 403);
    }, 1000);
    const res = await fetch(`${instances[2].url}/probe`, {
      headers: {'x-tenant-id': 'globex'},
    });
    const body = (await res.json()) as {error: {code: string}};
    expect(body.error.code).to.equal('TENANT_SUSPENDED');

    const late = await startInstance(port);
    instances.push(late);
    expect(await status(late, 'globex')).to.equal(403);
    expect(await status(late, 'initech')).to.equal(200);

    await instances[2].call('resume', 'globex');
    await waitFor(async () => {
      const answers = await Promise.all(
        instances.map(i => status(i, 'globex')),
      );
      return answers.every(s => s === 200);
    }, 1000);
  });

  it('counts and drops malformed messages without acting on them', async () => {
    const {default: IORedis} = await import('ioredis');
    const raw = new IORedis(port, '127.0.0.1');
    try {
      for (const message of [
        'not json',
        '{"type":"evict","tenantId":"__proto__","instanceId":"x"}',
        '{"type":"drop-table","tenantId":"acme","instanceId":"x"}',
      ]) {
        await raw.publish('fleet-test:events', message);
      }
    } finally {
      raw.disconnect();
    }
    await waitFor(async () => {
      const replies = await Promise.all(
        instances.map(i => i.call('malformed')),
      );
      return replies.every(r => r.malformed === 3);
    }, 1000);
    expect(await status(instances[0], 'acme')).to.equal(200);
  });

  it('survives Redis restarting: serves HTTP meanwhile and loses no later event', async () => {
    redis!.kill('SIGKILL');
    await new Promise(resolve => redis!.once('exit', resolve));
    // Redis down: HTTP still served; publishing is reported as failed.
    expect(await status(instances[0], 'umbrella')).to.equal(200);
    const failed = await instances[0].call('evict', 'umbrella');
    expect(failed.error).to.be.a.String();

    redis = await startRedis(port);
    // Every instance reconnects and re-subscribes by itself.
    await waitFor(async () => {
      const replies = await Promise.all(
        instances.map(i => i.call('connected')),
      );
      return replies.every(r => r.connected === true);
    }, 10000);
    await givenTenantOnAll('hooli');
    expect(await instances[1].call('evict', 'hooli')).to.containDeep({
      ok: true,
    });
    await releasedEverywhere('hooli');
    for (const instance of instances) {
      expect(instance.child.exitCode).to.be.null();
    }
  }).timeout(30000);
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number};
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    REDIS,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    {stdio: ['ignore', 'pipe', 'pipe']},
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', chunk => {
      output += chunk;
      if (output.includes('Ready to accept connections')) resolve(child);
    });
    child.once('exit', code =>
      reject(new Error(`redis-server exited (${code}): ${output}`)),
    );
  });
}

function startInstance(port: number): Promise<Instance> {
  const child = fork(INSTANCE, [`redis://127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let nextId = 0;
  const pending = new Map<number, (reply: Record<string, unknown>) => void>();
  child.on('message', (message: {id?: number}) => {
    if (message.id !== undefined) pending.get(message.id)?.(message);
  });
  const call = (op: string, tenantId?: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({id, op, tenantId}, error => error && reject(error));
    });
  return new Promise((resolve, reject) => {
    child.once('message', (message: {ready?: boolean; url: string}) =>
      resolve({child, url: message.url, call}),
    );
    child.once('exit', code => reject(new Error(`instance exited (${code})`)));
  });
}
