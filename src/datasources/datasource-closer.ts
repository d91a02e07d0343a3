// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import type {DataSourceLike} from '../bridge/juggler-shapes';

const debug = debugFactory('loopback:tenant-registry:datasource');

const selfBoundedDataSources = new WeakSet<DataSourceLike>();

/**
 * What a `TenantDataSourcePool` gives the registry to track for one of its
 * DataSources: its disconnect is the pool's own close, which the closer
 * runs without a timer of its own (the pool frees the DataSource's slot when
 * its close ends, so the one timer is the pool's).
 *
 * @param close - The pool's close; rejects when the disconnect failed.
 * @internal
 */
export function selfBounded(close: () => Promise<void>): DataSourceLike {
  const dataSource = {disconnect: close};
  selfBoundedDataSources.add(dataSource);
  return dataSource;
}

/**
 * Run `disconnect`, giving up after `timeoutMs`.
 *
 * @returns Resolves when it is done; rejects when it threw, rejected or
 * timed out.
 * @internal
 */
export function disconnectWithin(
  disconnect: () => unknown,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`disconnect timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref();
  });
  return Promise.race([Promise.resolve().then(disconnect), timeout]).then(
    () => clearTimeout(timer),
    (error: unknown) => {
      clearTimeout(timer);
      throw error;
    },
  );
}

/**
 * Disconnects the DataSources of evicted tenants in the background, each
 * bounded by `disconnectTimeout`, and counts the ones that fail. Never
 * throws, never rejects.
 *
 * @internal
 */
export class DataSourceCloser {
  /** Disconnects that threw, rejected or timed out. */
  failures = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly timeoutMs: number) {}

  /** Start disconnecting `dataSource`. */
  close(dataSource: DataSourceLike, tenantId: string): void {
    const disconnecting = selfBoundedDataSources.has(dataSource)
      ? (dataSource.disconnect as () => Promise<void>)()
      : disconnectWithin(() => dataSource.disconnect?.(), this.timeoutMs);
    const done = disconnecting.catch((error: unknown) => {
      this.failures++;
      debug('disconnecting a DataSource of %s failed: %s', tenantId, error);
    });
    this.pending.add(done);
    done.finally(() => this.pending.delete(done)).catch(() => {});
  }

  /** Resolves when every disconnect started so far has settled. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.all([...this.pending]);
    }
  }
}
