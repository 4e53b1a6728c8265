// The posture check's public shapes: what `npm run verify -- --posture --json` prints, field for field.
import type { CheckTarget } from "../target";

export type ControlStatus = "pass" | "fail" | "n/a";

/** Security Hub's severity label of a control, in lower case. */
export type Severity = "critical" | "high" | "medium" | "low";

/** The CIS AWS Foundations Benchmark section a control maps to in each version; null when that version has none. */
export interface CisSections {
  "v1.4.0": string | null;
  "v3.0.0": string | null;
}

/** What a control judged: the trail, its bucket, or (S3.1) the account. */
export interface ControlResource {
  type: "AWS::CloudTrail::Trail" | "AWS::S3::Bucket" | "AWS::::Account";
  /** The ARN; for the account, Security Hub's form AWS::::Account:<id>. */
  arn: string;
  /** The trail's home region, the bucket's region, or the region the check ran in; null when AWS did not say. */
  region: string | null;
}

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
  /** Security Hub's severity of the control. */
  severity: Severity;
  /** The CIS AWS Foundations Benchmark sections, as Security Hub maps the control. */
  cis: CisSections;
  resource: ControlResource;
  /** Security Hub's remediation page for the control. */
  remediationUrl: string;
}

/** The trail as posture read it: its description, status and selectors, named after the API's fields. */
export interface TrailFacts {
  name: string;
  arn: string;
  homeRegion: string | null;
  isMultiRegionTrail: boolean;
  isOrganizationTrail: boolean;
  includeGlobalServiceEvents: boolean | null;
  logFileValidationEnabled: boolean | null;
  kmsKeyId: string | null;
  cloudWatchLogsLogGroupArn: string | null;
  s3BucketName: string;
  s3KeyPrefix: string | null;
  isLogging: boolean;
  latestDeliveryTime: string | null;
  latestDeliveryError: string | null;
  /** The selectors as GetEventSelectors returned them; null when the trail has none of that kind. */
  eventSelectors: unknown[] | null;
  advancedEventSelectors: unknown[] | null;
  /** Whether the selectors record read and write management events; `gap` says what they miss, null when nothing. */
  managementEvents: { read: boolean; write: boolean; gap: string | null };
}

/** The trail's bucket as posture read it; a setting never configured is null. */
export interface BucketFacts {
  name: string;
  arn: string;
  /** From GetBucketLocation. */
  region: string | null;
  publicAccessBlock: {
    BlockPublicAcls: boolean | null;
    IgnorePublicAcls: boolean | null;
    BlockPublicPolicy: boolean | null;
    RestrictPublicBuckets: boolean | null;
  } | null;
  encryption: { SSEAlgorithm: string | null; KMSMasterKeyID: string | null; BucketKeyEnabled: boolean | null }[] | null;
  /** Object Ownership: BucketOwnerEnforced means ACLs are disabled. */
  ownership: string | null;
  versioning: string | null;
  lifecycle: { id: string | null; status: string | null; expirationDays: number | null; noncurrentDays: number | null }[] | null;
  /** The policy document's text, as S3 returned it. */
  policy: string | null;
  policyIsPublic: boolean | null;
  logging: { targetBucket: string; targetPrefix: string } | null;
}

export interface PostureReport {
  controls: PostureControl[];
  /** The facts the controls were judged on (absent from evidence written before posture returned them). */
  facts?: { trail: TrailFacts; bucket: BucketFacts };
  /** When the facts were read; absent likewise. */
  checkedAt?: string;
}

/** Posture reads the trail and its bucket: its target is all it takes. */
export type PostureOptions = CheckTarget;
