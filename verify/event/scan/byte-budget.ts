// Bounding the bytes held at once, whatever the number or the size of the objects: a caller
// reserves an object's size (from its listing) before downloading it and releases it once the
// object is decoded. Reservations are granted in order, so a large one is not starved by small
// ones; one larger than the whole budget waits until it can run alone.
import { abortReason } from "../../pacing/abort-reason";

export interface BudgetGrant {
  readonly bytes: number;
  /** Returns the bytes to the budget; a second call does nothing. */
  release(): void;
}

interface Waiter {
  bytes: number;
  grant: (grant: BudgetGrant) => void;
}

export class ByteBudget {
  /** Bytes reserved now. */
  inFlight = 0;
  /** The most bytes ever reserved at once: the accounting tests read. */
  peak = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly limit: number) {
    if (!(Number.isFinite(limit) && limit > 0)) throw new RangeError(`A byte budget must be a number of bytes > 0, not ${limit}.`);
  }

  /** Resolves once `bytes` fit beside what is in flight; rejects if `signal` aborts first. */
  reserve(bytes: number, signal?: AbortSignal): Promise<BudgetGrant> {
    if (!(Number.isFinite(bytes) && bytes >= 0)) return Promise.reject(new RangeError(`Cannot reserve ${bytes} bytes.`));
    if (signal?.aborted) return Promise.reject(abortReason(signal, "The wait for bytes"));
    if (this.queue.length === 0 && this.fits(bytes)) return Promise.resolve(this.take(bytes));
    return new Promise<BudgetGrant>((resolve, reject) => {
      const onAbort = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        reject(abortReason(signal!, "The wait for bytes"));
        // The one ahead that blocked others has left: those behind it may fit now.
        this.drain();
      };
      const waiter: Waiter = {
        bytes,
        grant: (grant) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(grant);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private fits(bytes: number): boolean {
    return this.inFlight === 0 || this.inFlight + bytes <= this.limit;
  }

  private take(bytes: number): BudgetGrant {
    this.inFlight += bytes;
    this.peak = Math.max(this.peak, this.inFlight);
    let released = false;
    return {
      bytes,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight -= bytes;
        this.drain();
      },
    };
  }

  private drain(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0].bytes)) {
      const next = this.queue.shift()!;
      next.grant(this.take(next.bytes));
    }
  }
}
