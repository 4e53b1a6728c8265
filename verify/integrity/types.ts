// The integrity check's public shapes: what callers pass in, and the result that comes back
// (the `--json` output of `npm run verify -- --integrity`, field for field).
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { S3Client } from "@aws-sdk/client-s3";

export interface IntegrityOptions {
  /** Trail name or ARN. */
  trail: string;
  /** Region the trail is looked up in; defaults to the region the AWS CLI would pick (AWS_REGION, AWS_DEFAULT_REGION, the profile's). */
  region?: string;
  /** The AWS CLI profile for credentials (and the region when none is given); AWS_PROFILE applies without it. */
  profile?: string;
  /**
   * Regions whose digests are checked; defaults to every region with digests in the bucket (looked
   * up again at every waiting round). With `waitForLogKey`, the log's region is always among them.
   */
  regions?: string[];
  /** Overrides the trail's S3 bucket (digests and logs are read from there). */
  bucket?: string;
  /** Overrides the account taken from the trail ARN (the `AWSLogs/<account>/` folder). */
  account?: string;
  /** Start of the range: digests whose hour overlaps [since, until] are checked. */
  since: Date;
  /** End of the range; defaults to now. */
  until?: Date;
  /**
   * Before checking, wait until a digest in the range lists this log object (the lab's
   * `--wait-digest`); when none does by `waitTimeoutMs`, the result says "no digest in range".
   */
  waitForLogKey?: string;
  waitTimeoutMs?: number;
  waitIntervalMs?: number;
  /** Throttled ListPublicKeys calls retry until this long after the start. */
  retryWindowMs?: number;
  clients?: {
    s3?: S3Client;
    /** The trail's region's client (GetTrail). */
    cloudTrail?: CloudTrailClient;
    /** A client per digest region, for ListPublicKeys (keys are per region). */
    cloudTrailIn?: (region: string) => CloudTrailClient;
  };
  onProgress?: (line: string) => void;
  /** Aborting rejects with VerifyAbortedError (exit code 130). */
  signal?: AbortSignal;
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

/** A stretch of the range no digest chain vouches for: the chain restarted, or is broken. */
export interface IntegrityGap {
  region: string;
  /** End time of the last digest before the gap; null when unknown. */
  from: string | null;
  /** Start time of the first digest after the gap. */
  to: string | null;
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
