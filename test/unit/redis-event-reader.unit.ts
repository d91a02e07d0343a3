// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {EventEmitter} from 'node:events';
import type {RedisClient} from '../../src/events/redis-client';
import {RedisEventReader} from '../../src/events/redis-event-reader';
import type {TenantEventsResync} from '../../src/events/tenant-event';
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
      onEvent: () => {},
      onResync: resync => resyncs.push(resync),
    });
  });

  afterEach(() => reader.stop());

  it('reports a gap again when the resync that found it failed', async () => {
    client.streamInfo = {length: 5, added: 5, last: '5-0'};
    reader.start(client as unknown as RedisClient);
    await waitFor(() => reader.status().isInSync);

    // Away: 20 more entries, all but one trimmed; reading the hash fails once.
    client.streamInfo = {length: 1, added: 25, last: '25-0'};
    client.failures = 1;
    client.drop();
    client.reconnect();
    await waitFor(() => resyncs.length === 2);
    expect(resyncs.map(r => r.hasMissedEvictions)).to.deepEqual([false, true]);
    expect(reader.status()).to.containDeep({isInSync: true, resyncs: 2});
  });

  it('waits for the client to be ready, and is out of sync meanwhile', async () => {
    client.status = 'reconnecting';
    reader.start(client as unknown as RedisClient);
    await reader.waitForSync(20);
    expect(reader.status()).to.containDeep({
      isInSync: false,
      reason: 'connecting to Redis',
    });
    client.reconnect();
    await waitFor(() => reader.status().isInSync);
  });
});

/** Answers the reader's commands from a script; `drop()` is a lost connection. */
class ScriptedClient extends EventEmitter {
  status = 'ready';
  streamInfo = {length: 0, added: 0, last: '0-0'};
  /** How many HLEN calls fail from now. */
  failures = 0;
  private pendingRead: ((error: Error) => void) | undefined;

  async call(command: string): Promise<unknown> {
    if (this.status !== 'ready') throw new Error('Connection is closed.');
    switch (command) {
      case 'xinfo': {
        const {length, added, last} = this.streamInfo;
        return [
          'length',
          length,
          'last-generated-id',
          last,
          'entries-added',
          added,
        ];
      }
      case 'hlen':
        if (this.failures-- > 0) throw new Error('ERR scripted failure');
        return 0;
      case 'hscan':
        return ['0', []];
      case 'xread':
        return new Promise((_resolve, reject) => (this.pendingRead = reject));
      default:
        throw new Error(`unexpected ${command}`);
    }
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
}
