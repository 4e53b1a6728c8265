// What every check is pointed at: the trail, the region and identity its calls are made in and
// as, the clients to make them with, and the signal that stops them. The options of the event
// check, integrity and posture extend it; verify/cli.ts builds one from the flags and passes it
// to whichever check runs.
import type { AthenaClient } from "@aws-sdk/client-athena";
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { S3Client } from "@aws-sdk/client-s3";
import type { S3ControlClient } from "@aws-sdk/client-s3-control";

/** Clients to use instead of ones built from the standard AWS environment (clients.ts). */
export interface CheckClients {
  /** @default createAwsClients({ region, profile }).s3 */
  s3?: S3Client;
  /**
   * The client of the check's `region`: GetTrail, GetTrailStatus, LookupEvents.
   * @default createAwsClients({ region, profile }).cloudTrail
   */
  cloudTrail?: CloudTrailClient;
  /**
   * A client in another region: a trail's event selectors answer only in its home region (the
   * event check, posture), and each digest region lists its own public keys (integrity).
   * @default createCloudTrailClient({ region, profile }) for each region; with an injected
   * `cloudTrail`, the event check and posture keep that one instead
   */
  cloudTrailIn?: (region: string) => CloudTrailClient;
  /**
   * Posture's reads of the account's own Block Public Access (S3 Control GetPublicAccessBlock).
   * @default createS3ControlClient({ region, profile })
   */
  s3Control?: S3ControlClient;
  /**
   * Athena search's client (the event check with `search: "athena"`), and posture's GetWorkGroup (the results bucket of a workgroup).
   * @default createAthenaClient({ region, profile })
   */
  athena?: AthenaClient;
}

export interface CheckTarget {
  /** Trail name or ARN; an ARN reaches a trail from outside its home region. */
  trail: string;
  /**
   * Region the CloudTrail calls go to. Bucket reads follow the bucket's region.
   * @default resolveRegion(): AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region, as the AWS CLI picks it
   */
  region?: string;
  /**
   * The AWS CLI profile for credentials (and the region when none is given).
   * @default none: the SDK's default credential chain, AWS_PROFILE included
   */
  profile?: string;
  /** @default none: each check builds its own from the standard AWS environment (createAwsClients) */
  clients?: CheckClients;
  /**
   * Aborting ends the check's calls and waits promptly; the event check and integrity then reject
   * with VerifyAbortedError (exit code 130), the event check's holding the evidence found so far.
   * @default none
   */
  signal?: AbortSignal;
}

/** A check that reads the trail's files in its bucket: the event check (logs) and integrity (digests and logs). */
export interface LogsTarget extends CheckTarget {
  /**
   * Regions whose folders are read. With integrity's `waitForLogKey`, the log's region is always among them.
   * @default the event check: `[region]`; integrity: every region with digests in the bucket, looked up again at every waiting round
   */
  regions?: string[];
  /** @default the trail's S3 bucket (GetTrail's S3BucketName) */
  bucket?: string;
  /**
   * The account of the `AWSLogs/<account>/` folder.
   * @default the account in the trail's ARN (accountFromArn)
   */
  account?: string;
  /**
   * Progress lines and warnings: the event check's a line per polling round and, when the deadline
   * passes unverified, a last line `not verified: <why, and what to check>`. The CLI writes them to stderr.
   * @default none: nothing is said
   */
  onProgress?: (line: string) => void;
}
