// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The load balancers of the fleet suite: nginx and HAProxy from the system's
 * packages, started on a free loopback port with a config generated in a
 * temp dir, reconfigured when an instance leaves or comes back (nginx: a
 * new config and SIGHUP; HAProxy: its runtime API, `set server ... state`),
 * and stopped. Each response carries `x-upstream` (which instance answered),
 * so the driver can tell where each tenant went. The `upstream` and
 * `backend` blocks are what docs/fleet.md shows (test/unit/fleet-balancers.unit.ts).
 */

import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {connect, createServer, type Socket} from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type BalancerKind = 'nginx' | 'haproxy';
/** `round-robin`, or consistent hashing on the tenant header. */
export type Routing = 'round-robin' | 'tenant-hash';

/** An instance behind the balancer: `i1` at `127.0.0.1:3001`. */
export interface UpstreamServer {
  name: string;
  address: string;
}

/** nginx's `upstream` block. */
export function nginxUpstream(
  servers: UpstreamServer[],
  routing: Routing,
): string {
  return [
    'upstream instances {',
    ...(routing === 'tenant-hash'
      ? ['    hash $http_x_tenant_id consistent;']
      : []),
    ...servers.map(server => `    server ${server.address};`),
    '    keepalive 32;',
    '    keepalive_timeout 4s;',
    '}',
  ].join('\n');
}

/** HAProxy's `backend` section. */
export function haproxyBackend(
  servers: UpstreamServer[],
  routing: Routing,
): string {
  return [
    'backend instances',
    ...(routing === 'tenant-hash'
      ? ['    balance hdr(x-tenant-id)', '    hash-type consistent']
      : ['    balance roundrobin']),
    ...servers.map(server => `    server ${server.name} ${server.address}`),
  ].join('\n');
}

function nginxConfig(
  dir: string,
  port: number,
  servers: UpstreamServer[],
  routing: Routing,
): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
    kind => `    ${kind}_temp_path ${path.join(dir, kind)};`,
  );
  return `worker_processes 1;
daemon off;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
    access_log off;
${temp.join('\n')}
${nginxUpstream(servers, routing).replace(/^/gm, '    ')}
    server {
        listen 127.0.0.1:${port};
        location / {
            proxy_pass http://instances;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            add_header x-upstream $upstream_addr always;
        }
    }
}
`;
}

function haproxyConfig(
  dir: string,
  port: number,
  servers: UpstreamServer[],
  routing: Routing,
): string {
  return `global
    nbthread 1
    maxconn 2000
    stats socket ${path.join(dir, 'admin.sock')} mode 600 level admin
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fleet
    bind 127.0.0.1:${port}
    default_backend instances
    http-response set-header x-upstream %[srv_name]
${haproxyBackend(servers, routing)}
`;
}

/** The balancer's binary, or `undefined` when it is not installed. */
export function findBalancer(kind: BalancerKind): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/local/sbin', '/usr/bin']) {
    const file = path.join(dir, kind);
    if (spawnSync(file, ['-v']).status === 0) return file;
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (free when asked). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number};
      server.close(() => resolve(port));
    });
  });
}

/** A running balancer in front of `servers`. */
export class RunningBalancer {
  private constructor(
    readonly kind: BalancerKind,
    readonly routing: Routing,
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
    private readonly servers: UpstreamServer[],
  ) {}

  /** Start `kind` on a free port, routing to `servers` by `routing`. */
  static async start(
    kind: BalancerKind,
    binary: string,
    routing: Routing,
    servers: UpstreamServer[],
  ): Promise<RunningBalancer> {
    servers = servers.map(({name, address}) => ({name, address}));
    const dir = mkdtempSync(path.join(os.tmpdir(), `fleet-${kind}-`));
    // nginx's workers run as `nobody` when started by root.
    chmodSync(dir, 0o755);
    const port = await freePort();
    const file = path.join(dir, `${kind}.conf`);
    const write = kind === 'nginx' ? nginxConfig : haproxyConfig;
    writeFileSync(file, write(dir, port, servers, routing));
    // `-e`: nginx opens its error log before reading the config.
    const args =
      kind === 'nginx'
        ? ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', file]
        : ['-db', '-f', file];
    const child = spawn(binary, args, {stdio: ['ignore', 'ignore', 'pipe']});
    let stderr = '';
    child.stderr!.on('data', chunk => (stderr += chunk));
    const balancer = new RunningBalancer(
      kind,
      routing,
      port,
      dir,
      child,
      servers,
    );
    await waitForPort(port, child, () => stderr);
    return balancer;
  }

  /** Stop sending to instance `name` (it may then be stopped). */
  remove(name: string): Promise<void> {
    return this.setServers(
      this.servers.filter(s => s.name !== name),
      name,
    );
  }

  /** Send to instance `name` again (its address is unchanged). */
  restore(name: string): Promise<void> {
    return this.setServers(this.servers, name);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise(resolve => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, {recursive: true, force: true});
  }

  private async setServers(
    servers: UpstreamServer[],
    changed: string,
  ): Promise<void> {
    if (this.kind === 'haproxy') {
      const isIn = servers.some(s => s.name === changed);
      await adminCommand(
        path.join(this.dir, 'admin.sock'),
        `set server instances/${changed} state ${isIn ? 'ready' : 'maint'}`,
      );
      return;
    }
    const file = path.join(this.dir, 'nginx.conf');
    writeFileSync(
      file,
      nginxConfig(this.dir, this.port, servers, this.routing),
    );
    this.child.kill('SIGHUP');
    // nginx has no acknowledgement: new workers start within milliseconds,
    // the old ones finish their requests and close their connections.
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}

function adminCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client: Socket = connect(socket, () => client.end(`${command}\n`));
    let reply = '';
    client.on('data', chunk => (reply += chunk));
    client.once('error', reject);
    client.once('close', () =>
      reply.trim() === ''
        ? resolve(reply)
        : reject(new Error(`haproxy: ${command}: ${reply.trim()}`)),
    );
  });
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) {
      throw new Error(`balancer exited (${child.exitCode}): ${stderr()}`);
    }
    const isOpen = await new Promise<boolean>(resolve => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (isOpen) return;
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  throw new Error(`balancer did not listen on ${port}: ${stderr()}`);
}
