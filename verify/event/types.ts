// The event check's public shapes: what callers pass in, and the evidence that comes back
// (the `--json` output of `npm run verify`, field for field).
import type { LogsTarget } from "../target";

/** The event check's options: its target (trail, region, profile, regions, bucket, account,
 * clients, onProgress, signal), then the event and the wait. */
export interface VerifyOptions extends LogsTarget {
  /**
   * Event name to look for.
   * @default DEFAULT_EVENT_NAME
   */
  eventName?: string;
  /**
   * Instance id (or other resource name) the event must concern; an S3 object as
   * `arn:aws:s3:::bucket/key` or `bucket/key`, for data events.
   * @default none: any
   */
  resource?: string;
  /** Only events at or after this instant count. */
  since: Date;
  /**
   * Pause between polling rounds.
   * @default DEFAULT_INTERVAL_MS
   */
  intervalMs?: number;
  /**
   * Deadline for the whole wait. 0 means one pass, which is aborted if it runs past ONE_PASS_LIMIT_MS.
   * @default DEFAULT_TIMEOUT_MS
   */
  timeoutMs?: number;
  /**
   * How long work still in flight at the deadline (a round, a request that does not answer) may go
   * on before it is aborted, and how long the trail's status is then waited for. A round cut short
   * this way resolves unverified, with what it had found.
   * @default DEFAULT_GRACE_MS
   */
  graceMs?: number;
  /**
   * Also confirm the event in Event History (LookupEvents).
   * @default true
   */
  eventHistory?: boolean;
  /**
   * Who searches the logs: "s3" lists and reads the log objects from this process; "athena" runs
   * the same match as SQL on the trail's Athena table (`athena` names it).
   * @default "s3"
   */
  search?: "s3" | "athena";
  /**
   * The Athena table, required with `search: "athena"`.
   * @default none
   */
  athena?: { workgroup: string; database: string; table: string };
  /**
   * Log objects downloaded and decoded at once (the requests kept in flight); fewer after S3
   * answers 503 SlowDown, for a while. From 1 to MAX_CONCURRENCY.
   * @default DEFAULT_CONCURRENCY
   */
  concurrency?: number;
  /**
   * How the log objects' GETs are sent: "lean" signs and sends them with the S3 client's own
   * signer, credentials and endpoint but without the SDK's per-request machinery (s3/lean-get.ts);
   * "sdk" sends each through the SDK's GetObject. Every other call uses the SDK.
   * @default "lean"
   */
  getPath?: "lean" | "sdk";
}

export interface TrailEvidence {
  name: string;
  arn: string | null;
  isLogging: boolean | null;
  bucket: string;
  prefix: string | null;
  latestDeliveryTime: string | null;
  latestDeliveryError: string | null;
}

/** A record the log search matched (the scanner's, or Athena's), and the log object it came from. */
export interface S3Match {
  key: string;
  record: CloudTrailRecord;
}

export interface SkippedObject {
  key: string;
  reason: string;
}

export interface S3Evidence {
  /** Bucket the logs were read from (the trail's, or `--bucket`). */
  bucket: string;
  found: boolean;
  key: string | null;
  eventId: string | null;
  eventTime: string | null;
  /** When this check first saw the matched record in S3 (the end of the round that read it); null when not found. */
  foundAt: string | null;
  objectsScanned: number;
  /** Uncompressed bytes decoded. */
  bytesScanned: number;
  /** Compressed bytes fetched from S3. */
  bytesDownloaded: number;
  skipped: SkippedObject[];
}

export interface EventHistoryEvidence {
  found: boolean;
  eventId: string | null;
  eventTime: string | null;
  /** Who made the call, as Event History names them (LookupEvents' Username). */
  username: string | null;
  /** When this check first saw the event in Event History; null when not found. */
  foundAt: string | null;
}

/** A CloudTrail record as delivered in a log file's `Records` array. */
export interface CloudTrailRecord {
  eventVersion?: string;
  eventTime: string;
  eventSource?: string;
  eventName: string;
  awsRegion?: string;
  eventID: string;
  responseElements?: unknown;
  resources?: unknown;
  [field: string]: unknown;
}

/**
 * What verifyTrail resolves with, verified or not (an unverified result after the deadline is an
 * answer, not an error). It rejects with a named VerifyError when it cannot check: trail not
 * found, not logging or failing delivery, AWS refusing a call, bad options, or an abort.
 */
export interface VerifyEvidence {
  /** True when the event was found in S3 and (unless disabled) in Event History with the same eventID. */
  verified: boolean;
  trail: TrailEvidence;
  s3: S3Evidence;
  /** null when Event History was not consulted (`eventHistory: false`, or a data event's name). */
  eventHistory: EventHistoryEvidence | null;
  /**
   * "Data" when the event looked for is a data event: its name is an S3 object-level call
   * (data-events.ts), and Event History, which holds management events only, was not asked; or the
   * matched record says so, and Event History is not required. Else "Management".
   */
  eventCategory: "Management" | "Data";
  /**
   * The matched record from the S3 log file, or null. Parts nested deeper than 64 levels (no real
   * record does) are replaced by a note string, so that the evidence always prints as JSON.
   */
  event: CloudTrailRecord | null;
  /** Who searched the logs. */
  search: "s3" | "athena";
  /** The Athena queries behind `s3` when search is "athena", else null. */
  athena: AthenaEvidence | null;
}

export interface AthenaEvidence {
  workgroup: string;
  database: string;
  table: string;
  /** The last query run, and every query this check ran (one per polling round). */
  queryId: string | null;
  queryIds: string[];
  /** Bytes Athena scanned over all queries, and their estimated cost (USD 5 per TB, 10 MB minimum a query). */
  bytesScanned: number;
  costUsd: number;
}
