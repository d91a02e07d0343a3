// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {EventEmitter} from 'node:events';
import type {RedisClient} from '../../src/fleet/redis-client';
import {RedisEventReader} from '../../src/fleet/redis-event-reader';
import type {TenantEventsResync} from '../../src/fleet/tenant-event';
import {waitFor} from '../fixtures/async';

describe('RedisEventReader (unit: a scripted client)', () => {
  let client: ScriptedClient;
  let reader: RedisEventReader;
  let resyncs: TenantEventsResync[];

  beforeEach(() => {
    client = new ScriptedClient();
    resyncs = [];
    reader = new RedisEventReader({
      streamKey: 's',
      suspendedKey: 'h',
      signer: undefined,
      blockTime: 10,
      maxRetryDelay: 20,
      maxStreamLength: 100,
      onEvent: () => {},
      onResync: resync => resyncs.push(resync),
    });
  });

  afterEach(() => reader.stop());

  it('reports a gap again when the resync that found it failed', async () => {
    client.setStream(1, 5);
    reader.start(client as unknown as RedisClient);
    await waitFor(() => reader.status().isInSync);

    // Away: 20 more entries, all but one trimmed; reading the hash fails once.
    client.setStream(25, 25);
    client.failures = 1;
    client.drop();
    client.reconnect();
    await waitFor(() => resyncs.length === 2);
    expect(resyncs.map(r => r.hasMissedEvictions)).to.deepEqual([false, true]);
    expect(reader.status()).to.containDeep({
      isInSync: true,
      resyncs: 2,
      gaps: 1,
      lastGap: {reason: 'trimmed'},
    });
  });

  it('finds a gap while it follows: the stream was trimmed past the entry it read last', async () => {
    client.setStream(1, 5);
    reader.start(client as unknown as RedisClient);
    await waitFor(() => client.isWaiting);

    // 300 entries added faster than it read them; 100 kept.
    client.setStream(201, 305);
    client.news();
    await waitFor(() => resyncs.length === 2);
    expect(resyncs[1].hasMissedEvictions).to.be.true();
    expect(reader.status()).to.containDeep({gaps: 1, resyncs: 2});
    expect(reader.status().lastGap?.reason).to.equal('trimmed');
  });

  it('waits for the client to be ready, and is out of sync meanwhile', async () => {
    client.status = 'reconnecting';
    reader.start(client as unknown as RedisClient);
    // Every reply of the scripted client is a microtask: one turn of the
    // loop lets a reader that ignored the status go all the way to sync.
    await new Promise(resolve => setImmediate(resolve));
    expect(reader.status()).to.containDeep({
      isInSync: false,
      reason: 'connecting to Redis',
    });
    client.reconnect();
    await waitFor(() => reader.status().isInSync);
  });
});

/**
 * Answers the reader's commands from a script: a stream holding entries
 * `<from>-0` to `<to>-0`, each added once; `drop()` is a lost connection.
 */
class ScriptedClient extends EventEmitter {
  status = 'ready';
  /** How many HLEN calls fail from now. */
  failures = 0;
  /** Whether a blocking read is pending. */
  isWaiting = false;
  private ids: number[] = [];
  private pendingRead: ((error?: Error) => void) | undefined;

  setStream(from: number, to: number): void {
    this.ids = Array.from({length: to - from + 1}, (_, i) => from + i);
  }

  /** End the pending blocking read, as an XADD would. */
  news(): void {
    this.pendingRead?.();
  }

  async call(command: string, ...args: unknown[]): Promise<unknown> {
    if (this.status !== 'ready') throw new Error('Connection is closed.');
    switch (command) {
      case 'hlen':
        if (this.failures-- > 0) throw new Error('ERR scripted failure');
        return 0;
      case 'hscan':
        return ['0', []];
      case 'xread':
        this.isWaiting = true;
        return new Promise((resolve, reject) => {
          this.pendingRead = error => {
            this.isWaiting = false;
            this.pendingRead = undefined;
            if (error) reject(error);
            else resolve(null);
          };
        });
      case 'xadd':
        throw new Error(`unexpected ${command} ${args.join(' ')}`);
      default:
        throw new Error(`unexpected ${command}`);
    }
  }

  multi(commands: unknown[][]) {
    return {
      exec: async () => {
        if (this.status !== 'ready') throw new Error('Connection is closed.');
        return commands.map(([command, ...args]) => {
          switch (command) {
            case 'xinfo':
              return [null, this.xinfo()];
            case 'xrange':
              return [null, this.has(args[1] as string) ? [[args[1], []]] : []];
            case 'xread':
              return [null, null];
            default:
              return [new Error(`unexpected ${command}`), null];
          }
        });
      },
    };
  }

  drop(): void {
    this.status = 'reconnecting';
    this.emit('close');
    this.pendingRead?.(new Error('Connection is closed.'));
  }

  reconnect(): void {
    this.status = 'ready';
    this.emit('ready');
  }

  disconnect(): void {
    this.drop();
    this.status = 'end';
  }

  private has(id: string): boolean {
    return this.ids.some(n => `${n}-0` === id);
  }

  private xinfo(): unknown[] {
    const last = this.ids.at(-1) ?? 0;
    const entry = (n: number | undefined) =>
      n === undefined ? null : [`${n}-0`, ['event', '{}']];
    return [
      ...['length', this.ids.length, 'last-generated-id', `${last}-0`],
      ...['max-deleted-entry-id', '0-0', 'entries-added', last],
      ...[
        'first-entry',
        entry(this.ids[0]),
        'last-entry',
        entry(this.ids.at(-1)),
      ],
    ];
  }
}
