// The controls posture checks, with Security Hub's ids and titles: CloudTrail.1 to CloudTrail.7
// (the CIS AWS Foundations Benchmark's logging section) and the S3 controls that matter for the
// bucket a trail writes to. Each turns the facts read from AWS into a verdict, the evidence it
// rests on, and the fix; beside it stand Security Hub's severity and the CIS sections Security Hub
// maps it to (the "Related requirements" of each control in the Security Hub user guide's
// CloudTrail and S3 control pages; S3.4, retired, as its page last stood).
import type { GetEventSelectorsCommandOutput } from "@aws-sdk/client-cloudtrail";
import type { LoggingStatus, TrailDescription } from "../trail/trail-status";
import type { BucketSettings } from "./bucket-settings";
import { managementEventGap } from "./management-events";
import { tlsOnlyVerdict } from "./tls-policy";
import type { CisSections, ControlResource, PostureControl, Severity } from "./types";

export interface PostureFacts {
  trail: TrailDescription;
  status: LoggingStatus;
  selectors: Pick<GetEventSelectorsCommandOutput, "EventSelectors" | "AdvancedEventSelectors">;
  bucket: BucketSettings;
  /** arn:<partition>:s3:::<bucket> */
  bucketArn: string;
  /** The region the check ran in: where an account-level control's resource is. */
  region: string;
}

type Verdict = Pick<PostureControl, "status" | "evidence" | "fix">;

interface Control {
  id: string;
  title: string;
  severity: Severity;
  cis: CisSections;
  /** What the verdict is about. */
  on: "trail" | "bucket" | "account";
  judge(facts: PostureFacts): Verdict;
}

const cis = (v140: string | null, v300: string | null): CisSections => ({ "v1.4.0": v140, "v3.0.0": v300 });

/** The page Security Hub links from each finding of the control (its Remediation.Recommendation.Url). */
export function remediationUrl(id: string): string {
  return `https://docs.aws.amazon.com/console/securityhub/${id}/remediation`;
}

function resourceOf(on: Control["on"], facts: PostureFacts): ControlResource {
  if (on === "trail") return { type: "AWS::CloudTrail::Trail", arn: facts.trail.arn, region: facts.trail.homeRegion };
  if (on === "bucket") return { type: "AWS::S3::Bucket", arn: facts.bucketArn, region: facts.bucket.region };
  return { type: "AWS::::Account", arn: `AWS::::Account:${facts.trail.arn.split(":")[4] ?? ""}`, region: facts.region };
}

const pass = (evidence: Record<string, unknown>): Verdict => ({ status: "pass", evidence, fix: null });
const fail = (evidence: Record<string, unknown>, fix: string): Verdict => ({ status: "fail", evidence, fix });
const verdict = (ok: boolean, evidence: Record<string, unknown>, fix: string): Verdict => (ok ? pass(evidence) : fail(evidence, fix));

const BLOCK_ALL = "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true";

function blocksAll(facts: PostureFacts): boolean {
  const p = facts.bucket.publicAccessBlock;
  return (
    !!p && p.BlockPublicAcls === true && p.IgnorePublicAcls === true && p.BlockPublicPolicy === true && p.RestrictPublicBuckets === true
  );
}

function loggingEvidence({ bucket }: PostureFacts) {
  return {
    bucket: bucket.bucket,
    LoggingEnabled: bucket.logging && { TargetBucket: bucket.logging.targetBucket, TargetPrefix: bucket.logging.targetPrefix },
  };
}

function accessLogging(facts: PostureFacts): Verdict {
  return verdict(
    facts.bucket.logging !== null,
    loggingEvidence(facts),
    `Turn on server access logging of s3://${facts.bucket.bucket} into a separate bucket: aws s3api put-bucket-logging --bucket ${facts.bucket.bucket} ` +
      `--bucket-logging-status '{"LoggingEnabled":{"TargetBucket":"<log-bucket>","TargetPrefix":"${facts.bucket.bucket}/"}}'.`,
  );
}

export const CONTROLS: readonly Control[] = [
  {
    id: "CloudTrail.1",
    title:
      "CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events",
    severity: "high",
    cis: cis("3.1", "3.1"),
    on: "trail",
    judge(facts) {
      const gap = managementEventGap(facts.selectors);
      const evidence = {
        trail: facts.trail.arn,
        IsMultiRegionTrail: facts.trail.isMultiRegion,
        IsLogging: facts.status.isLogging,
        EventSelectors: facts.selectors.EventSelectors ?? null,
        AdvancedEventSelectors: facts.selectors.AdvancedEventSelectors ?? null,
        selectorGap: gap,
      };
      const problems = [
        !facts.trail.isMultiRegion && "make it multi-Region (aws cloudtrail update-trail --name <trail> --is-multi-region-trail)",
        !facts.status.isLogging && "start logging (aws cloudtrail start-logging --name <trail>)",
        gap &&
          `record all management events, read and write (${gap}): aws cloudtrail put-event-selectors --trail-name <trail> --event-selectors '[{"ReadWriteType":"All","IncludeManagementEvents":true}]'`,
      ].filter((p): p is string => !!p);
      return verdict(
        problems.length === 0,
        evidence,
        `For trail ${facts.trail.name}: ${problems.join("; ").replace(/<trail>/g, facts.trail.arn)}.`,
      );
    },
  },
  {
    id: "CloudTrail.2",
    title: "CloudTrail should have encryption at-rest enabled",
    severity: "medium",
    cis: cis("3.7", "3.5"),
    on: "trail",
    judge: (facts) =>
      verdict(
        !!facts.trail.settings.KmsKeyId,
        { trail: facts.trail.arn, KmsKeyId: facts.trail.settings.KmsKeyId ?? null },
        `Encrypt the log files with a customer managed KMS key whose policy lets CloudTrail use it: aws cloudtrail update-trail --name ${facts.trail.arn} ` +
          `--kms-key-id <key-arn> (in the lab: pulumi config set trail-lab:kmsEncryption true; a key costs USD 1 a month).`,
      ),
  },
  {
    id: "CloudTrail.3",
    title: "At least one CloudTrail trail should be enabled",
    severity: "high",
    cis: cis(null, null),
    on: "trail",
    judge: (facts) =>
      verdict(
        facts.status.isLogging,
        { trail: facts.trail.arn, IsLogging: facts.status.isLogging },
        `Start the trail: aws cloudtrail start-logging --name ${facts.trail.arn}.`,
      ),
  },
  {
    id: "CloudTrail.4",
    title: "CloudTrail log file validation should be enabled",
    severity: "low",
    cis: cis("3.2", "3.2"),
    on: "trail",
    judge: (facts) =>
      verdict(
        facts.trail.settings.LogFileValidationEnabled === true,
        { trail: facts.trail.arn, LogFileValidationEnabled: facts.trail.settings.LogFileValidationEnabled ?? null },
        `Turn on log file validation, so that CloudTrail signs hourly digests: aws cloudtrail update-trail --name ${facts.trail.arn} --enable-log-file-validation.`,
      ),
  },
  {
    id: "CloudTrail.5",
    title: "CloudTrail trails should be integrated with Amazon CloudWatch Logs",
    severity: "low",
    cis: cis("3.4", null),
    on: "trail",
    judge: (facts) =>
      verdict(
        !!facts.trail.settings.CloudWatchLogsLogGroupArn,
        {
          trail: facts.trail.arn,
          CloudWatchLogsLogGroupArn: facts.trail.settings.CloudWatchLogsLogGroupArn ?? null,
          CloudWatchLogsRoleArn: facts.trail.settings.CloudWatchLogsRoleArn ?? null,
        },
        `Deliver the trail to a CloudWatch Logs group as well: aws cloudtrail update-trail --name ${facts.trail.arn} ` +
          `--cloud-watch-logs-log-group-arn <group-arn>:* --cloud-watch-logs-role-arn <role-arn> (in the lab: pulumi config set trail-lab:cloudWatchLogs true; ingestion is billed per GB).`,
      ),
  },
  {
    id: "CloudTrail.6",
    title: "Ensure the S3 bucket used to store CloudTrail logs is not publicly accessible",
    severity: "critical",
    cis: cis("3.3", null),
    on: "bucket",
    judge(facts) {
      const { bucket } = facts;
      const pab = bucket.publicAccessBlock;
      // RestrictPublicBuckets confines even a public policy to the account and AWS services.
      const policyPublic = bucket.policyIsPublic === true && pab?.RestrictPublicBuckets !== true;
      const aclsMayGrant = bucket.ownership !== "BucketOwnerEnforced" && pab?.IgnorePublicAcls !== true;
      return verdict(
        !policyPublic && !aclsMayGrant,
        {
          bucket: bucket.bucket,
          PolicyStatus: bucket.policyIsPublic === null ? null : { IsPublic: bucket.policyIsPublic },
          PublicAccessBlock: pab,
          ObjectOwnership: bucket.ownership,
        },
        `Make s3://${bucket.bucket} private: aws s3api put-public-access-block --bucket ${bucket.bucket} --public-access-block-configuration ${BLOCK_ALL}, ` +
          `and disable ACLs with aws s3api put-bucket-ownership-controls --bucket ${bucket.bucket} --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'.`,
      );
    },
  },
  {
    id: "CloudTrail.7",
    title: "Ensure S3 bucket access logging is enabled on the CloudTrail S3 bucket",
    severity: "low",
    cis: cis("3.6", "3.4"),
    on: "bucket",
    judge: accessLogging,
  },
  {
    id: "S3.1",
    title: "S3 general purpose buckets should have block public access settings enabled",
    severity: "medium",
    cis: cis("2.1.5", "2.1.4"),
    on: "account",
    judge: (facts) => ({
      status: "n/a",
      // Account-level settings live behind the S3 Control API (s3control), which posture does not call.
      evidence: { account: facts.trail.arn.split(":")[4] ?? null, PublicAccessBlock: null },
      fix: `Account-level Block Public Access is read through S3 Control, outside this check: aws s3control get-public-access-block --account-id ${facts.trail.arn.split(":")[4] ?? "<account>"}.`,
    }),
  },
  {
    id: "S3.4",
    title: "S3 general purpose buckets should have server-side encryption enabled",
    severity: "medium",
    cis: cis("2.1.1", null),
    on: "bucket",
    judge(facts) {
      const rules = facts.bucket.encryptionRules;
      return verdict(
        (rules ?? []).some((r) => !!r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm),
        {
          bucket: facts.bucket.bucket,
          rules:
            rules &&
            rules.map((r) => ({
              SSEAlgorithm: r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? null,
              KMSMasterKeyID: r.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID ?? null,
              BucketKeyEnabled: r.BucketKeyEnabled ?? null,
            })),
        },
        `Set default encryption: aws s3api put-bucket-encryption --bucket ${facts.bucket.bucket} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'.`,
      );
    },
  },
  {
    id: "S3.5",
    title: "S3 general purpose buckets should require requests to use SSL",
    severity: "medium",
    cis: cis("2.1.2", "2.1.1"),
    on: "bucket",
    judge(facts) {
      const tls = tlsOnlyVerdict(facts.bucket.policy, facts.bucketArn);
      return verdict(
        tls.enforced,
        { bucket: facts.bucket.bucket, denyStatement: tls.enforced ? tls.statement : null, reason: tls.enforced ? null : tls.reason },
        `Add to the policy of s3://${facts.bucket.bucket} a statement {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["${facts.bucketArn}","${facts.bucketArn}/*"],` +
          `"Condition":{"Bool":{"aws:SecureTransport":"false"}}} (aws s3api put-bucket-policy).`,
      );
    },
  },
  {
    id: "S3.8",
    title: "S3 general purpose buckets should block public access",
    severity: "high",
    cis: cis("2.1.5", "2.1.4"),
    on: "bucket",
    judge: (facts) =>
      verdict(
        blocksAll(facts),
        { bucket: facts.bucket.bucket, PublicAccessBlock: facts.bucket.publicAccessBlock },
        `Turn on all four settings: aws s3api put-public-access-block --bucket ${facts.bucket.bucket} --public-access-block-configuration ${BLOCK_ALL}.`,
      ),
  },
  {
    id: "S3.9",
    title: "S3 general purpose buckets should have server access logging enabled",
    severity: "medium",
    cis: cis(null, null),
    on: "bucket",
    judge: accessLogging,
  },
  {
    id: "S3.12",
    title: "ACLs should not be used to manage user access to S3 general purpose buckets",
    severity: "medium",
    cis: cis(null, null),
    on: "bucket",
    judge: (facts) =>
      verdict(
        facts.bucket.ownership === "BucketOwnerEnforced",
        { bucket: facts.bucket.bucket, ObjectOwnership: facts.bucket.ownership },
        `Disable ACLs: aws s3api put-bucket-ownership-controls --bucket ${facts.bucket.bucket} --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'.`,
      ),
  },
  {
    id: "S3.14",
    title: "S3 general purpose buckets should have versioning enabled",
    severity: "low",
    cis: cis(null, null),
    on: "bucket",
    judge: (facts) =>
      verdict(
        facts.bucket.versioning === "Enabled",
        { bucket: facts.bucket.bucket, Status: facts.bucket.versioning },
        `Turn on versioning: aws s3api put-bucket-versioning --bucket ${facts.bucket.bucket} --versioning-configuration Status=Enabled.`,
      ),
  },
];

export function judgeControls(facts: PostureFacts): PostureControl[] {
  return CONTROLS.map((control) => ({
    id: control.id,
    title: control.title,
    ...control.judge(facts),
    severity: control.severity,
    cis: control.cis,
    resource: resourceOf(control.on, facts),
    remediationUrl: remediationUrl(control.id),
  }));
}
