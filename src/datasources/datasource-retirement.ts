// Copyright loopback4-tenant-registry contributors. MIT License.

import type {OpenSlots} from './open-slots';
import type {TenantDataSourceEntry as Entry} from './tenant-datasource-entry';
import type {DataSourceHolder} from './tenant-datasource-types';

/**
 * Counts the responses holding each tenant DataSource, and retires and
 * closes the DataSources no longer handed out: a retired one closes once no
 * response holds it (or after `disconnectTimeout`), and its slot is
 * released when the close has ended.
 *
 * @internal
 */
export class DataSourceRetirement<DS extends object = object> {
  /** DataSources closing now: each will free a slot. */
  readonly closing = new Set<Entry<DS>>();
  private readonly retired = new Set<Entry<DS>>();
  private readonly holders = new WeakMap<DataSourceHolder, Entry<DS>[]>();

  /**
   * @param slots - Released as each close ends.
   * @param disconnectTimeout - Milliseconds a close may take, and a retired
   * DataSource may wait for the requests holding it.
   * @param onReturned - Called after a response holding DataSources closed.
   */
  constructor(
    private readonly slots: OpenSlots,
    private readonly disconnectTimeout: number,
    private readonly onReturned: () => void,
  ) {}

  /**
   * Count `entry` as held until `holder` (an HTTP response) emits `close`.
   * One listener per response, however many DataSources it holds.
   */
  checkOut(entry: Entry<DS>, holder: DataSourceHolder): void {
    if (holder.closed === true) return;
    entry.checkouts++;
    let held = this.holders.get(holder);
    if (held === undefined) {
      const entries: Entry<DS>[] = (held = []);
      this.holders.set(holder, entries);
      holder.once('close', () => {
        this.holders.delete(holder);
        for (const returned of entries) {
          returned.checkouts--;
          if (returned.state === 'retired' && returned.checkouts === 0) {
            this.close(returned);
          }
        }
        this.onReturned();
      });
    }
    held.push(entry);
  }

  /**
   * Stop handing it out; close it once no response holds it.
   *
   * @returns `entry.closed`.
   */
  retire(entry: Entry<DS>): Promise<void> {
    if (entry.state === 'open') {
      entry.state = 'retired';
      this.retired.add(entry);
      if (entry.checkouts === 0) this.close(entry);
      else {
        entry.retireTimer = setTimeout(
          () => this.close(entry),
          this.disconnectTimeout,
        );
        entry.retireTimer.unref();
      }
    }
    return entry.closed;
  }

  /** Close it now (an open that failed, or a retired one). */
  close(entry: Entry<DS>): void {
    if (entry.state === 'closing' || entry.state === 'closed') return;
    clearTimeout(entry.retireTimer);
    this.retired.delete(entry);
    entry.state = 'closing';
    this.closing.add(entry);
    const closed = () => {
      entry.state = 'closed';
      this.closing.delete(entry);
      this.slots.release();
    };
    entry.close(this.disconnectTimeout).then(closed, closed);
  }

  /** Close the retired ones now too, and wait for every close. */
  async closeAll(): Promise<void> {
    for (const entry of [...this.retired]) this.close(entry);
    await Promise.allSettled([...this.closing].map(entry => entry.closed));
  }

  /** Open pool connections of the DataSources retired or closing. */
  get connections(): number {
    let connections = 0;
    for (const entry of this.retired) connections += entry.connections;
    for (const entry of this.closing) connections += entry.connections;
    return connections;
  }
}
