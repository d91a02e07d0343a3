// Copyright loopback4-tenant-registry contributors. MIT License.

export type RedisArgument = string | number | Buffer;

/** What we use of an ioredis client (typed without ioredis). @internal */
export interface RedisClient {
  readonly status: string;
  connect(): Promise<void>;
  disconnect(reconnect?: boolean): void;
  call(command: string, ...args: RedisArgument[]): Promise<unknown>;
  multi(commands: RedisArgument[][]): {
    exec(): Promise<[Error | null, unknown][] | null>;
  };
  on(event: 'ready' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export async function execMulti(
  client: RedisClient,
  commands: RedisArgument[][],
): Promise<[Error | null, unknown][]> {
  const replies = await client
    .multi(commands)
    .exec()
    .catch((error: unknown) => {
      reconnectIfTimedOut(client, error);
      throw error;
    });
  if (replies === null) throw new Error('The Redis transaction was aborted');
  return replies;
}

// A timed-out command means a dead (half-open) connection that TCP may take
// minutes to notice. (ioredis's `socketTimeout` leaks a timer on disconnect.)
export function reconnectIfTimedOut(client: RedisClient, error: unknown): void {
  if ((error as Error)?.message === 'Command timed out') {
    client.disconnect(true);
  }
}

// 50 ms, doubling, up to `maxDelay`, with "equal jitter" (half to all of
// it): a fleet that lost Redis together does not come back in lockstep.
export function retryDelay(
  attempt: number,
  maxDelay: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(50 * 2 ** exponent, maxDelay);
  return Math.max(1, Math.round(ceiling / 2 + (ceiling / 2) * random()));
}

/** Waits that end on `wake()`, or after `delay` ms (unref'ed). @internal */
export class WakeUp {
  private readonly waiters = new Set<() => void>();

  wait(delay?: number): Promise<void> {
    return new Promise(resolve => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      const timer = delay === undefined ? undefined : setTimeout(done, delay);
      timer?.unref();
    });
  }

  wake(): void {
    for (const done of [...this.waiters]) done();
  }
}
