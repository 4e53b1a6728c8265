// Retrying a call with capped exponential backoff (full jitter), bounded by a deadline and, when
// given, a number of attempts: throttled calls above the SDK's own few attempts, and reads whose
// connection dropped after the SDK had handed over the response (which the SDK does not retry).
import { isDroppedConnection, isThrottling } from "../aws-errors";
import { systemClock, type Clock } from "./clock";

export interface RetryPolicy {
  /** Epoch ms after which a failed call is not tried again. */
  deadline: number;
  /** Calls in all, the first included; unbounded (only the deadline) when absent. */
  maxAttempts?: number;
  baseMs?: number;
  maxMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
  onRetry?: (attempt: number, delayMs: number, err: unknown) => void;
}

/** Calls `call` until it succeeds, fails with an error `retryable` refuses, or the policy's bounds are reached. */
export async function retryWhile<T>(call: () => Promise<T>, retryable: (err: unknown) => boolean, policy: RetryPolicy): Promise<T> {
  const clock = policy.clock ?? systemClock;
  const baseMs = policy.baseMs ?? 500;
  const maxMs = policy.maxMs ?? 8000;
  if (policy.maxAttempts !== undefined && !(Number.isInteger(policy.maxAttempts) && policy.maxAttempts >= 1)) {
    throw new RangeError(`maxAttempts must be a whole number >= 1, not ${policy.maxAttempts}.`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      // An abort can surface as a reset of the connection it cut: never retried.
      if (policy.signal?.aborted || !retryable(err)) throw err;
      if (policy.maxAttempts !== undefined && attempt >= policy.maxAttempts) throw err;
      const delay = Math.round(Math.random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1)));
      if (clock.now() + delay > policy.deadline) throw err;
      policy.onRetry?.(attempt, delay, err);
      await clock.sleep(delay, policy.signal);
    }
  }
}

export function retryThrottled<T>(call: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  return retryWhile(call, isThrottling, policy);
}

/** A read is tried this many times when its connection keeps dropping. */
export const READ_ATTEMPTS = 4;

/** Retries a read whose connection dropped (reset, premature close, socket timeout), a few times. */
export function retryDropped<T>(call: () => Promise<T>, policy: Partial<RetryPolicy> = {}): Promise<T> {
  return retryWhile(call, isDroppedConnection, { deadline: Infinity, maxAttempts: READ_ATTEMPTS, baseMs: 200, maxMs: 2000, ...policy });
}
