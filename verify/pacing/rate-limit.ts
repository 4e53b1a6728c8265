// Client-side spacing of requests: LookupEvents allows 2 requests per second per account and
// region, and staying under it is cheaper than being throttled and backing off.
import { systemClock, type Clock } from "./clock";

export class RateLimiter {
  private nextSlot = 0;

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Resolves when the caller may send its next request. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.perSecond;
    if (slot > now) await this.clock.sleep(slot - now, signal);
  }
}
