// Retrying a call with capped exponential backoff (full jitter), bounded by a deadline and, when
// given, a number of attempts: throttled calls above the SDK's own few attempts, and reads whose
// connection dropped after the SDK had handed over the response (which the SDK does not retry).
import { isDroppedConnection, isThrottling } from "../aws-errors";
import { systemClock, type Clock } from "./clock";

/** The backoff of a retry, unless its policy says otherwise: the first delay at most, and the cap. */
export const RETRY_DEFAULTS = { baseMs: 500, maxMs: 8000 } as const;

export interface RetryPolicy {
  /** Epoch ms after which a failed call is not tried again. */
  deadline: number;
  /**
   * Calls in all, the first included.
   * @default unbounded: only the deadline ends the retries
   */
  maxAttempts?: number;
  /**
   * The longest first delay; each later one may be twice the one before.
   * @default RETRY_DEFAULTS.baseMs
   */
  baseMs?: number;
  /**
   * The longest delay.
   * @default RETRY_DEFAULTS.maxMs
   */
  maxMs?: number;
  /**
   * Once aborted, no call is tried again, whatever its error.
   * @default none
   */
  signal?: AbortSignal;
  /** @default systemClock */
  clock?: Clock;
  /** @default none */
  onRetry?: (attempt: number, delayMs: number, err: unknown) => void;
}

/** Calls `call` until it succeeds, fails with an error `retryable` refuses, or the policy's bounds are reached. */
export async function retryWhile<T>(call: () => Promise<T>, retryable: (err: unknown) => boolean, policy: RetryPolicy): Promise<T> {
  const clock = policy.clock ?? systemClock;
  const baseMs = policy.baseMs ?? RETRY_DEFAULTS.baseMs;
  const maxMs = policy.maxMs ?? RETRY_DEFAULTS.maxMs;
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
