// The posture check's public shapes: what `npm run verify -- --posture --json` prints, field for field.
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { S3Client } from "@aws-sdk/client-s3";

export type ControlStatus = "pass" | "fail" | "n/a";

export interface PostureControl {
  /** The id Security Hub gives the control: CloudTrail.1, S3.5, ... */
  id: string;
  /** Security Hub's title of the control. */
  title: string;
  status: ControlStatus;
  /** The values the verdict rests on, as AWS returned them; a setting that is not configured is null. */
  evidence: Record<string, unknown>;
  /** What to do to pass: one actionable sentence; null when the control passes. */
  fix: string | null;
}

export interface PostureReport {
  controls: PostureControl[];
}

export interface PostureOptions {
  /** Trail name or ARN. */
  trail: string;
  /** Region the CloudTrail calls go to; defaults to AWS_REGION. Bucket reads follow the bucket's region. */
  region?: string;
  /** Clients to use instead of ones built from the standard AWS environment. */
  clients?: {
    s3?: S3Client;
    cloudTrail?: CloudTrailClient;
    /** A client in another region: a trail's selectors are read in its home region. */
    cloudTrailIn?: (region: string) => CloudTrailClient;
  };
  signal?: AbortSignal;
}
