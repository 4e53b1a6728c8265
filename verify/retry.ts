// Retrying throttled calls with capped exponential backoff (full jitter) until a deadline,
// above the SDK's own few attempts.
import { isThrottling } from "./aws-errors";
import { systemClock, type Clock } from "./rate-limit";

export interface RetryPolicy {
  /** Epoch ms after which a throttled call is not tried again. */
  deadline: number;
  baseMs?: number;
  maxMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
  onRetry?: (attempt: number, delayMs: number, err: unknown) => void;
}

export async function retryThrottled<T>(call: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const clock = policy.clock ?? systemClock;
  const baseMs = policy.baseMs ?? 500;
  const maxMs = policy.maxMs ?? 8000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isThrottling(err)) throw err;
      const delay = Math.round(Math.random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1)));
      if (clock.now() + delay > policy.deadline) throw err;
      policy.onRetry?.(attempt, delay, err);
      await clock.sleep(delay, policy.signal);
    }
  }
}
