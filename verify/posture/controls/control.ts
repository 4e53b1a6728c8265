// What every control is made of, after Prowler's checks and their metadata files: the facts read
// once (PostureFacts), and per control its Security Hub id and title, severity, the framework
// requirements it maps to, the risk in a sentence, the fix as an AWS CLI command and as the
// Pulumi change, and a pure judge from the facts to a verdict with its reason and evidence.
import type { Selectors } from "../../trail/event-selectors";
import type { LoggingStatus, TrailDescription } from "../../trail/trail-status";
import type { AccountBlock } from "../facts/account-settings";
import type { AccountTrail } from "../facts/account-trails";
import type { BucketSettings } from "../facts/bucket-settings";
import type { UnreadBucket } from "../facts/stack-buckets";
import type { BucketRole, CisSections, ControlStatus, Remediation, Severity } from "../types";

/** One of the stack's buckets, as a control judges it. */
export interface JudgedBucket {
  role: BucketRole;
  settings: BucketSettings;
  /** arn:<partition>:s3:::<bucket> */
  arn: string;
}

export interface PostureFacts {
  trail: TrailDescription;
  status: LoggingStatus;
  selectors: Selectors;
  /** The trail's bucket. */
  bucket: BucketSettings;
  /** arn:<partition>:s3:::<bucket> */
  bucketArn: string;
  /** The region the check ran in: where an account-level control's resource is. */
  region: string;
  /** The stack's other buckets: the access-log bucket, a workgroup's results bucket, buckets the caller named. */
  otherBuckets: JudgedBucket[];
  /** Buckets posture found but could not read, with why. */
  unreadBuckets: UnreadBucket[];
  /** The account's Block Public Access, through S3 Control. */
  accountBlock: AccountBlock;
  /** The account's other trails (DescribeTrails), for the account-level data-event controls. */
  otherTrails: AccountTrail[];
  /** The retention TrailLab.Retention holds the log files to. */
  retentionDays: number;
}

/** A control's verdict: `advice` says what to do, before the CLI command, when it fails. */
export interface Verdict {
  status: ControlStatus;
  /** Why, in one sentence. */
  detail: string;
  evidence: Record<string, unknown>;
  /** For a failure: what to do, as the start of a sentence the CLI command ends. */
  advice?: string;
  /** For n/a: how to check by hand. */
  manual?: string;
  /** A failure posture accepts because the control does not fit this resource. */
  accepted?: { reason: string };
}

export interface ControlSpec {
  id: string;
  title: string;
  severity: Severity;
  cis: CisSections;
  /** Whether AWS Foundational Security Best Practices has the control (Security Hub's FSBP list). */
  fsbp: boolean;
  /** What the verdict is about: the trail, the trail's bucket, each of the stack's buckets, or the account. */
  on: "trail" | "trail-bucket" | "each-bucket" | "account";
  risk: string;
  /** The fix for this subject (the bucket judged; the trail's for the other kinds). */
  remediation(facts: PostureFacts, subject: JudgedBucket): Remediation;
  judge(facts: PostureFacts, subject: JudgedBucket): Verdict;
}

export const cis = (v140: string | null, v300: string | null): CisSections => ({ "v1.4.0": v140, "v3.0.0": v300 });

export const pass = (detail: string, evidence: Record<string, unknown>): Verdict => ({ status: "pass", detail, evidence });
export const fail = (detail: string, evidence: Record<string, unknown>, advice: string): Verdict => ({
  status: "fail",
  detail,
  evidence,
  advice,
});

export const BLOCK_ALL = "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true";

export function accountOf(facts: PostureFacts): string | null {
  const account = facts.trail.arn.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : null;
}

export function partitionOf(facts: PostureFacts): string {
  return facts.trail.arn.split(":")[1] || "aws";
}

/** Where the trail writes: [prefix/]AWSLogs/<account>/ */
export function logRoot(facts: PostureFacts): string {
  return `${facts.trail.prefix ? `${facts.trail.prefix}/` : ""}AWSLogs/${accountOf(facts) ?? "<account>"}/`;
}

/** A log file's or a digest's key as CloudTrail names it, in the trail's home region, for controls that ask about one. */
export function sampleLogKey(facts: PostureFacts, kind: "CloudTrail" | "CloudTrail-Digest" = "CloudTrail"): string {
  const account = accountOf(facts) ?? "123456789012";
  const region = facts.trail.homeRegion ?? facts.region;
  const folder = `${logRoot(facts)}${kind}/${region}/2025/01/31/`;
  return kind === "CloudTrail"
    ? `${folder}${account}_CloudTrail_${region}_20250131T1205Z_0123456789abcdef.json.gz`
    : `${folder}${account}_CloudTrail-Digest_${region}_${facts.trail.name}_${region}_20250131T120523Z.json.gz`;
}

/** The trail's bucket as a subject. */
export function trailBucket(facts: PostureFacts): JudgedBucket {
  return { role: "trail", settings: facts.bucket, arn: facts.bucketArn };
}
