// Copyright loopback4-tenant-registry contributors. MIT License.

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** What {@link OpenSlots} asks of the pool. */
export interface OpenSlotsOwner {
  /** Someone is waiting: close idle DataSources to free slots, if any. */
  makeRoom(): void;
  /** The number of waiters changed. */
  waitingChanged(waiting: number): void;
}

// setTimeout fires at once (with a warning) above 2^31 - 1 ms.
const MAX_TIMER = 2 ** 31 - 1;

/**
 * A counting semaphore of open DataSource slots with a FIFO queue whose
 * waiters give up after a timeout. A slot is held from the moment a
 * DataSource starts opening until it has closed.
 *
 * @internal
 */
export class OpenSlots {
  /** Slots held. */
  inUse = 0;
  private readonly queue: Waiter[] = [];

  /**
   * @param max - Most slots held at once (`Infinity`: no cap).
   * @param timeoutMs - How long a waiter waits before giving up.
   * @param owner - Frees slots when asked.
   */
  constructor(
    private readonly max: number,
    private readonly timeoutMs: number,
    private readonly owner: OpenSlotsOwner,
  ) {}

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Take a slot: at once when one is free and nobody is ahead, else after
   * waiting in line.
   *
   * @throws Error when no slot frees up within the timeout.
   */
  acquire(): Promise<void> {
    if (this.inUse < this.max && this.queue.length === 0) {
      this.inUse++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => this.expire(waiter),
        Math.min(this.timeoutMs, MAX_TIMER),
      );
      timer.unref();
      const waiter: Waiter = {resolve, reject, timer};
      this.queue.push(waiter);
      this.owner.waitingChanged(this.queue.length);
      this.owner.makeRoom();
    });
  }

  /** Give a slot back; the first waiters get the free ones. */
  release(): void {
    this.inUse--;
    if (this.queue.length === 0) return;
    while (this.queue.length > 0 && this.inUse < this.max) {
      const waiter = this.queue.shift() as Waiter;
      clearTimeout(waiter.timer);
      this.inUse++;
      waiter.resolve();
    }
    this.owner.waitingChanged(this.queue.length);
  }

  /** Fail every waiter now (the application is stopping). */
  rejectAll(error: Error): void {
    for (const waiter of this.queue.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.owner.waitingChanged(0);
  }

  private expire(waiter: Waiter): void {
    const index = this.queue.indexOf(waiter);
    if (index === -1) return;
    this.queue.splice(index, 1);
    this.owner.waitingChanged(this.queue.length);
    waiter.reject(
      new Error(`no DataSource slot freed up within ${this.timeoutMs} ms`),
    );
  }
}
