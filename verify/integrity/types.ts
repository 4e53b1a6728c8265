// The integrity check's public shapes: what callers pass in, and the result that comes back
// (the `--json` output of `npm run verify -- --integrity`, field for field).
import type { LogsTarget } from "../target";

/** Integrity's options: its target (trail, region, profile, regions, bucket, account, clients,
 * onProgress, signal), then the range and the wait. */
export interface IntegrityOptions extends LogsTarget {
  /** Start of the range: digests whose hour overlaps [since, until] are checked. */
  since: Date;
  /**
   * End of the range.
   * @default now
   */
  until?: Date;
  /**
   * Before checking, wait until a digest in the range lists this log object (the lab's
   * `--wait-digest`); when none does by `waitTimeoutMs`, the result says "no digest in range".
   * @default none: no wait
   */
  waitForLogKey?: string;
  /**
   * How long `waitForLogKey` waits.
   * @default DEFAULT_DIGEST_WAIT_MS
   */
  waitTimeoutMs?: number;
  /**
   * The pause between looks while waiting.
   * @default DEFAULT_DIGEST_POLL_MS
   */
  waitIntervalMs?: number;
  /**
   * Throttled ListPublicKeys and LookupEvents calls retry until this long after the start.
   * @default DEFAULT_RETRY_WINDOW_MS
   */
  retryWindowMs?: number;
  /**
   * Ask Event History (LookupEvents in the trail's home region) who stopped, started, deleted or
   * created the trail where a chain restarts; false leaves restarts unexplained.
   * @default true
   */
  eventHistory?: boolean;
}

export interface IntegrityFailure {
  kind: "digest" | "log";
  bucket: string;
  key: string;
  /** Why it is invalid, as the AWS CLI says it where it has words for it ("not found", ...). */
  reason: string;
  /** The digest that lists the log (or, for a missing digest, the one pointing at it); null for a digest found by listing. */
  listedIn: string | null;
}

/**
 * A digest whose signature could not be checked because its region refused ListPublicKeys (an SCP
 * denying regions not in use, say). Neither valid nor invalid; its logs are not checked.
 */
export interface IntegrityUnchecked {
  region: string;
  bucket: string;
  key: string;
  /** The refusal, and what to grant. */
  reason: string;
}

export interface IntegrityCount {
  valid: number;
  total: number;
}

/**
 * What a gap is, as far as the digests and Event History tell:
 * - "missing": a digest the chain names is not there (deleted, or moved), or the chain names a
 *   digest whose signature is not the one it signed (the digest there is not the one it followed);
 * - "stopped": the chain restarts (a digest names no previous digest) after logging was stopped
 *   (StopLogging ... StartLogging), or log file validation turned off and on again; also the
 *   answer when Event History names neither (see `reason`);
 * - "recreated": the chain restarts after the trail was deleted and created again (DeleteTrail ...
 *   CreateTrail in Event History).
 */
export type GapKind = "stopped" | "recreated" | "missing";

/** A call from Event History that explains a gap (StopLogging, StartLogging, DeleteTrail, CreateTrail). */
export interface GapEvent {
  /** The API call: "StopLogging", "StartLogging", "DeleteTrail" or "CreateTrail". */
  name: string;
  /** When it was made (the record's eventTime, ISO-8601). */
  time: string;
  /** Who made it: the caller's ARN (userIdentity.arn), else Event History's user name; null when neither is recorded. */
  who: string | null;
  eventId: string;
}

/**
 * A stretch of the range no digest chain vouches for. This shape is read by other rooms (the
 * lab's evidence and report, the drill): its fields and their meaning stay as they are; new
 * fields may be added.
 */
export interface IntegrityGap {
  kind: GapKind;
  /** The account whose chain has the gap (an organization trail has one chain per account and region). */
  account: string;
  region: string;
  /** End time of the last digest before the gap; for a digest missing at the start of the range, the range's start; null when unknown. */
  from: string | null;
  /** Start time of the first digest after the gap. */
  to: string | null;
  /** The Event History calls that explain it, oldest first; empty for a missing digest, or when Event History names none (`reason` says why). */
  events: GapEvent[];
  /** One sentence an auditor reads: "logging was stopped from ... to ... by arn:...", "s3://... is missing". */
  reason: string;
}

export interface IntegrityResult {
  /** True only when at least one digest overlaps the range and every digest and log it lists is valid. */
  valid: boolean;
  trail: { name: string; arn: string | null; bucket: string; prefix: string | null };
  range: { since: string; until: string };
  /** The earliest digest start and the latest digest end among the digests checked; null with no digest. */
  covered: { from: string; to: string } | null;
  regions: string[];
  /** The accounts whose chains were checked: the trail's, `account`, or every member account of an organization trail. */
  accounts: string[];
  digests: IntegrityCount;
  logs: IntegrityCount;
  failures: IntegrityFailure[];
  /**
   * Digests left unchecked by a region that refused ListPublicKeys. They make the result not valid
   * (see `reason`), except while waiting for a log (`waitForLogKey`): then only the log's own region
   * must answer (its refusal is an error, exit 3), and other regions' refusals are only reported here.
   */
  unchecked: IntegrityUnchecked[];
  gaps: IntegrityGap[];
  /** Why the result is not valid when nothing in it is invalid (e.g. "no digest in range"); else null. */
  reason: string | null;
}
