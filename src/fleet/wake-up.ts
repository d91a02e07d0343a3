// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * Waits that end when woken, or after a delay: the event reader's pauses
 * (between retries, while disconnected) and `start()`'s wait for the first
 * sync. Timers are unref'ed and cleared when a wait ends.
 *
 * @internal
 */
export class WakeUp {
  private readonly waiters = new Set<() => void>();

  /**
   * Wait for {@link WakeUp.wake}, or at most `delay` milliseconds if given.
   */
  wait(delay?: number): Promise<void> {
    return new Promise(resolve => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      if (delay !== undefined) {
        timer = setTimeout(done, delay);
        timer.unref();
      }
    });
  }

  /** End every wait in progress. */
  wake(): void {
    for (const done of [...this.waiters]) done();
  }
}
