// The values of numeric and time flags, alike in every command: a duration is a plain decimal
// number of seconds within a range a Node timer can wait; an instant is an ISO-8601 date and time
// with its zone; a count is a plain whole number within a range. Anything else is a usage error
// that says what is accepted: JavaScript's Number() and Date() would take "0x10", "1e9", "" and
// "1" (the year 2001) without a word.
import { UsageError } from "./errors";

/** Node's timers hold a signed 32-bit count of milliseconds; a longer wait fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The longest duration any flag takes, in whole seconds: about 24.8 days. */
export const MAX_SECONDS = Math.floor(MAX_TIMER_MS / 1000);
/** CloudTrail's first day: no trail holds an event from before it. */
export const CLOUDTRAIL_START = new Date("2013-11-13T00:00:00Z");

const DECIMAL = /^\d+(\.\d+)?$/;
const WHOLE = /^\d+$/;
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** What a duration flag accepts, for messages and --help. */
export function durationRule(min: number, max = MAX_SECONDS, above = false): string {
  return `a plain decimal number of seconds ${above ? `above ${min}` : `from ${min}`} to ${max} (about ${Math.round(max / 86_400)} days), such as 90 or 0.5`;
}

export interface DurationRange {
  /** Smallest accepted, in seconds; 0 unless said. */
  min?: number;
  /** The value must be above `min`, not equal to it (a poll interval of 0 would spin). */
  above?: boolean;
  /** Largest accepted, in seconds; MAX_SECONDS unless said. */
  max?: number;
}

/** `--flag <seconds>` as milliseconds; undefined when the flag was not given. */
export function parseSeconds(flag: string, value: string | undefined, range: DurationRange = {}): number | undefined {
  if (value === undefined) return undefined;
  const min = range.min ?? 0;
  const max = Math.min(range.max ?? MAX_SECONDS, MAX_SECONDS);
  // The bounds hold for the milliseconds used, not the text: 0.0001 is above 0 but rounds to 0 ms.
  const ms = Math.round(Number(value) * 1000);
  const inRange = DECIMAL.test(value) && (range.above ? ms > min * 1000 : ms >= min * 1000) && ms <= max * 1000;
  if (!inRange) throw new UsageError(`--${flag} takes ${durationRule(min, max, range.above)}; got '${value}'.`);
  return ms;
}

/**
 * How far ahead of this machine's clock an instant may be: the skew AWS itself allows a request's
 * signature, so an --until taken from another machine's "now" is not refused for a clock a little ahead.
 */
const CLOCK_SKEW_MS = 5 * 60_000;

export const INSTANT_RULE = "an ISO-8601 date and time with its zone, such as 2025-01-31T12:00:00Z or 2025-01-31T13:00:00+01:00";

/** `--flag <instant>`; undefined when not given. Between CloudTrail's start and `now`. */
export function parseInstant(flag: string, value: string | undefined, now: Date = new Date()): Date | undefined {
  if (value === undefined) return undefined;
  const at = isoInstant(value);
  if (!at) throw new UsageError(`--${flag} takes ${INSTANT_RULE}; got '${value}'.`);
  if (at < CLOUDTRAIL_START)
    throw new UsageError(
      `--${flag} ${value} is before CloudTrail's start (${CLOUDTRAIL_START.toISOString().slice(0, 10)}): no trail holds events that old.`,
    );
  if (at.getTime() > now.getTime() + CLOCK_SKEW_MS)
    throw new UsageError(`--${flag} ${value} is in the future (it is ${now.toISOString()} now).`);
  return at;
}

/** The instant an ISO-8601 text names, or null when it is not one (a 30 February included). */
function isoInstant(text: string): Date | null {
  const m = ISO_INSTANT.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number);
  const ms = Math.floor(Number(`0.${m[7] ?? "0"}`) * 1000);
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  const calendar = utc.getUTCFullYear() === year && utc.getUTCMonth() === month - 1 && utc.getUTCDate() === day;
  if (!calendar || hour > 23 || minute > 59 || second > 59) return null;
  const zone = m[8].toUpperCase();
  if (zone === "Z") return utc;
  const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  const offsetMinutes = Number(z[2]) * 60 + Number(z[3]);
  if (Number(z[2]) > 23 || Number(z[3]) > 59) return null;
  return new Date(utc.getTime() - (z[1] === "+" ? 1 : -1) * offsetMinutes * 60_000);
}

/** `--flag <n>` as a whole number in [min, max]; `fallback` when not given. */
export function parseCount(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!WHOLE.test(value) || n < min || n > max)
    throw new UsageError(`--${flag} takes a plain whole number from ${min} to ${max}; got '${value}'.`);
  return n;
}
