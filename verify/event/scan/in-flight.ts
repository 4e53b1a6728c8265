// How many requests a scan keeps in flight: at most `max`, and fewer for a while after S3 answers
// 503 SlowDown. A SlowDown halves the limit (once for all the requests that were already in
// flight when it came, not once each, or one burst would take it to 1); every `limit` answers
// without one give a slot back, until `max` again. S3's limits are per prefix and per second
// (5,500 GETs); this is how a client that cannot see them stays under them.
import { abortReason } from "../../pacing/abort-reason";

export interface Slot {
  /** Gives the slot back; a second call does nothing. */
  release(): void;
  /** The limit's generation when the slot was taken: a SlowDown from an older one is already counted. */
  readonly generation: number;
}

export class InFlightLimit {
  /** Slots taken now. */
  active = 0;
  /** The limit in force now. */
  limit: number;
  /** The lowest the limit went (the tests read it: a SlowDown was backed off). */
  lowest: number;
  /** The most slots taken at once. */
  peak = 0;
  private generation = 0;
  private answered = 0;
  private readonly waiters: { take: () => void; signal?: AbortSignal; onAbort?: () => void }[] = [];

  constructor(readonly max: number) {
    if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`The in-flight count must be a whole number >= 1, not ${max}.`);
    this.limit = max;
    this.lowest = max;
  }

  /** Resolves with a slot once fewer than `limit` are taken; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<Slot> {
    if (signal?.aborted) return Promise.reject(abortReason(signal, "The wait for a request slot"));
    if (this.waiters.length === 0 && this.active < this.limit) return Promise.resolve(this.take());
    return new Promise<Slot>((resolve, reject) => {
      const waiter: (typeof this.waiters)[number] = { take: () => resolve(this.take()), signal };
      if (signal) {
        waiter.onAbort = () => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          reject(abortReason(signal, "The wait for a request slot"));
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** S3 said SlowDown to the request on `slot`. */
  slowDown(slot: Slot): void {
    if (slot.generation !== this.generation) return;
    this.generation += 1;
    this.answered = 0;
    this.limit = Math.max(1, Math.floor(this.limit / 2));
    this.lowest = Math.min(this.lowest, this.limit);
  }

  /** A request answered without a SlowDown. */
  succeeded(): void {
    if (this.limit >= this.max) return;
    this.answered += 1;
    if (this.answered < this.limit) return;
    this.answered = 0;
    this.limit += 1;
    this.wake();
  }

  private take(): Slot {
    this.active += 1;
    this.peak = Math.max(this.peak, this.active);
    let released = false;
    return {
      generation: this.generation,
      release: () => {
        if (released) return;
        released = true;
        this.active -= 1;
        this.wake();
      },
    };
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.active < this.limit) {
      const next = this.waiters.shift()!;
      if (next.signal && next.onAbort) next.signal.removeEventListener("abort", next.onAbort);
      next.take();
    }
  }
}
