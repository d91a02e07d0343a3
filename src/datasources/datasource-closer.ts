// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import type {DataSourceLike} from '../bridge/juggler-shapes';

const debug = debugFactory('loopback:tenant-registry:datasource');

/**
 * Disconnects released DataSources in the background, each bounded by a
 * timeout, and counts the ones that fail. Never throws, never rejects.
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
    const done = this.disconnect(dataSource).then(
      () => undefined,
      (error: unknown) => {
        this.failures++;
        debug('disconnecting a DataSource of %s failed: %s', tenantId, error);
      },
    );
    this.pending.add(done);
    done.finally(() => this.pending.delete(done)).catch(() => {});
  }

  /** Resolves when every disconnect started so far has settled. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.all([...this.pending]);
    }
  }

  private disconnect(dataSource: DataSourceLike): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`disconnect timed out after ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      timer.unref();
    });
    const disconnect = Promise.resolve().then(() => dataSource.disconnect?.());
    return Promise.race([disconnect, timeout]).finally(() =>
      clearTimeout(timer),
    );
  }
}
