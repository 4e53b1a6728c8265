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

/**
 * What a bucket is to the stack posture judges: the trail's own bucket, the bucket its server
 * access logs go to, the results bucket of an Athena workgroup, or a bucket named by the caller.
 */
export type BucketRole = "trail" | "access-log" | "athena-results" | "named";

/** What a control judged: the trail, one of the stack's buckets, or the account. */
export interface ControlResource {
  type: "AWS::CloudTrail::Trail" | "AWS::S3::Bucket" | "AWS::::Account";
  /** The ARN; for the account, Security Hub's form AWS::::Account:<id>. */
  arn: string;
  /** The trail's home region, the bucket's region, or the region the check ran in; null when AWS did not say. */
  region: string | null;
  /** The trail's or bucket's name, or the account's id (absent from evidence written before posture named it). */
  name?: string;
  /** For a bucket, what it is to the stack; absent otherwise. */
  role?: BucketRole;
}

/** A framework requirement the control maps to: "CIS AWS Foundations Benchmark v3.0.0" 3.1, or FSBP's control id. */
export interface FrameworkRequirement {
  framework: string;
  requirement: string;
}

/** How to make the control pass, after Prowler's metadata: the AWS CLI command and the change to a Pulumi program. */
export interface Remediation {
  cli: string;
  pulumi: string;
}

export interface PostureControl {
  /** The id Security Hub gives the control: CloudTrail.1, S3.5, ... */
  id: string;
  /** Security Hub's title of the control. */
  title: string;
  status: ControlStatus;
  /** Why the control has this status, in one sentence (absent from evidence written before posture said it). */
  statusDetail?: string;
  /** The values the verdict rests on, as AWS returned them; a setting that is not configured is null. */
  evidence: Record<string, unknown>;
  /** What to do to pass: one actionable sentence; null when the control passes. */
  fix: string | null;
  /** Security Hub's severity of the control. */
  severity: Severity;
  /** The CIS AWS Foundations Benchmark sections, as Security Hub maps the control. */
  cis: CisSections;
  resource: ControlResource;
  /** Security Hub's remediation page for the control; null for trail-lab's own controls (TrailLab.*). */
  remediationUrl: string | null;
  /** What a failure of this control puts at risk, in one sentence. */
  risk?: string;
  /** The fix as an AWS CLI command and as the Pulumi change, for this resource. */
  remediation?: Remediation;
  /** Every framework requirement the control maps to: the CIS sections, and FSBP's id where FSBP has the control. */
  frameworks?: FrameworkRequirement[];
  /**
   * A failure posture itself accepts because the control does not fit this resource (the bucket that
   * receives server access logs does not log its own access): still `fail`, as Security Hub would
   * say, but not counted as one; null otherwise.
   */
  accepted?: { reason: string } | null;
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
  /** GetBucketVersioning's MFADelete (absent from evidence written before posture read it). */
  mfaDelete?: string | null;
  /** GetBucketAcl's grants: who (a canonical user id, or a group's URI) and what permission. */
  grants?: { grantee: string; type: string | null; permission: string | null }[];
  lifecycle:
    | {
        id: string | null;
        status: string | null;
        expirationDays: number | null;
        noncurrentDays: number | null;
        /** The rule's key prefix filter; "" for every object (absent from older evidence). */
        prefix?: string | null;
        expirationDate?: string | null;
      }[]
    | null;
  /** The policy document's text, as S3 returned it. */
  policy: string | null;
  policyIsPublic: boolean | null;
  logging: { targetBucket: string; targetPrefix: string } | null;
}

/** The account as posture read it: its id, and its Block Public Access through S3 Control. */
export interface AccountFacts {
  id: string | null;
  /** GetPublicAccessBlock for the account; null when never configured or not read. */
  publicAccessBlock: BucketFacts["publicAccessBlock"];
  /** Why the account's settings could not be read (S3 Control refused); null when they were. */
  unread: string | null;
}

export interface PostureReport {
  controls: PostureControl[];
  /**
   * The facts the controls were judged on (absent from evidence written before posture returned
   * them): the trail, its bucket, the stack's other buckets and the account (these two absent from
   * evidence written before posture read them).
   */
  facts?: {
    trail: TrailFacts;
    bucket: BucketFacts;
    buckets?: (BucketFacts & { role: BucketRole })[];
    /** Buckets posture found (the access-log target, a workgroup's results bucket) but could not read, with why. */
    unreadBuckets?: { name: string; role: BucketRole; reason: string }[];
    account?: AccountFacts;
  };
  /** When the facts were read; absent likewise. */
  checkedAt?: string;
}

export interface PostureOptions extends CheckTarget {
  /**
   * Buckets of the stack to judge beside the trail's bucket (which is always judged), the bucket
   * its server access logs go to (found from its logging configuration) and `workgroup`'s results
   * bucket. A bucket S3 will not describe to the caller fails the check (exit 3).
   * @default none
   */
  buckets?: readonly string[];
  /**
   * An Athena workgroup whose results bucket (GetWorkGroup's output location) is judged too.
   * @default none
   */
  workgroup?: string;
  /**
   * TrailLab.Retention: no lifecycle rule may expire the trail's log files sooner than this.
   * @default DEFAULT_RETENTION_DAYS, infra's retentionDays default
   */
  retentionDays?: number;
}
