// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import type {DataSourceLike} from '../bridge/juggler-shapes';

const debug = debugFactory('loopback:tenant-registry:datasource');

// The registry's handles on a pool's DataSources: their disconnect is the
// pool's close, which has its own timeout, so the closer adds none.
const selfBoundedDataSources = new WeakSet<DataSourceLike>();

export function selfBounded(close: () => Promise<void>): DataSourceLike {
  const dataSource = {disconnect: close};
  selfBoundedDataSources.add(dataSource);
  return dataSource;
}

/** Run `disconnect`; rejects when it throws, rejects or outlasts `timeoutMs`. */
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
  const race = Promise.race([Promise.resolve().then(disconnect), timeout]);
  return race.finally(() => clearTimeout(timer)).then(() => {});
}

/** Disconnects evicted tenants' DataSources in the background; never throws. */
export class DataSourceCloser {
  /** Disconnects that threw, rejected or timed out. */
  failures = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly timeoutMs: number) {}

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
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
