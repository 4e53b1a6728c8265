// Security Hub's CloudTrail controls (the CIS AWS Foundations Benchmark's logging section):
// CloudTrail.1 to CloudTrail.5 on the trail, CloudTrail.6 and CloudTrail.7 on its bucket.
// Severities and CIS sections are the "Severity" and "Related requirements" of each control in
// the Security Hub user guide's CloudTrail control page; `fsbp` is its FSBP standard's list.
import type { Grant } from "@aws-sdk/client-s3";
import type { Selectors } from "../../trail/event-selectors";
import { BLOCK_ALL, cis, fail, pass, type ControlSpec, type JudgedBucket, type PostureFacts } from "./control";
import { managementEventGap } from "./management-events";

/** The selectors as a reader would name them, for a status detail. */
export function selectorsInWords(selectors: Selectors): string {
  const advanced = selectors.AdvancedEventSelectors ?? [];
  if (advanced.length > 0) return `advanced selectors ${advanced.map((s) => JSON.stringify(s.Name || "(unnamed)")).join(", ")}`;
  const basic = selectors.EventSelectors ?? [];
  if (basic.length === 0) return "no event selectors";
  return `basic selectors ${basic
    .map((s) => `{ReadWriteType ${s.ReadWriteType ?? "All"}, IncludeManagementEvents ${String(s.IncludeManagementEvents ?? true)}}`)
    .join(", ")}`;
}

const MANAGEMENT_SELECTORS = `'[{"ReadWriteType":"All","IncludeManagementEvents":true}]'`;

const cloudTrail1: ControlSpec = {
  id: "CloudTrail.1",
  title: "CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events",
  severity: "high",
  cis: cis("3.1", "3.1"),
  fsbp: true,
  on: "trail",
  risk:
    "Without a multi-Region trail that is logging and records every read and write management event, API calls in other Regions, " +
    "or of the kind left out, leave no record: an intrusion or an unwanted change cannot be traced.",
  remediation: ({ trail }) => ({
    cli:
      `aws cloudtrail update-trail --name ${trail.arn} --is-multi-region-trail && ` +
      `aws cloudtrail put-event-selectors --trail-name ${trail.arn} --event-selectors ${MANAGEMENT_SELECTORS} && ` +
      `aws cloudtrail start-logging --name ${trail.arn}`,
    pulumi:
      `new aws.cloudtrail.Trail(..., { isMultiRegionTrail: true, enableLogging: true, eventSelectors: [{ readWriteType: "All", includeManagementEvents: true }] }) ` +
      `(with advanced selectors instead: one of fieldSelectors [{ field: "eventCategory", equals: ["Management"] }], without a readOnly field)`,
  }),
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
      !facts.trail.isMultiRegion && "is a single-Region trail",
      !facts.status.isLogging && "is not logging",
      gap && `no longer records all management events: ${gap} (${selectorsInWords(facts.selectors)})`,
    ].filter((p): p is string => !!p);
    if (problems.length === 0) {
      return pass(`Trail ${facts.trail.name} is multi-Region, logging, and records read and write management events.`, evidence);
    }
    const todo = [
      !facts.trail.isMultiRegion && "make it multi-Region",
      !facts.status.isLogging && "start logging",
      gap && "record all management events, read and write",
    ].filter((p): p is string => !!p);
    return fail(`Trail ${facts.trail.name} ${problems.join("; it ")}.`, evidence, `For trail ${facts.trail.name}: ${todo.join(", ")}`);
  },
};

const cloudTrail2: ControlSpec = {
  id: "CloudTrail.2",
  title: "CloudTrail should have encryption at-rest enabled",
  severity: "medium",
  cis: cis("3.7", "3.5"),
  fsbp: true,
  on: "trail",
  risk:
    "Log files encrypted with S3's own keys can be read by anyone allowed s3:GetObject on the bucket; a KMS key adds a second " +
    "permission (kms:Decrypt) and records every decryption.",
  remediation: ({ trail }) => ({
    cli: `aws cloudtrail update-trail --name ${trail.arn} --kms-key-id <key-arn>`,
    pulumi:
      "new aws.cloudtrail.Trail(..., { kmsKeyId: key.arn }) with a key policy that lets cloudtrail.amazonaws.com use it " +
      "(in this project: pulumi config set trail-lab:kmsEncryption true; a key costs USD 1 a month)",
  }),
  judge: (facts) => {
    const evidence = { trail: facts.trail.arn, KmsKeyId: facts.trail.settings.KmsKeyId ?? null };
    return facts.trail.settings.KmsKeyId
      ? pass(`Trail ${facts.trail.name} encrypts its log files with KMS key ${facts.trail.settings.KmsKeyId}.`, evidence)
      : fail(
          `Trail ${facts.trail.name} names no KMS key: its log files are encrypted with S3-managed keys only.`,
          evidence,
          "Encrypt the log files with a customer managed KMS key whose policy lets CloudTrail use it (in the lab: pulumi config set trail-lab:kmsEncryption true; a key costs USD 1 a month)",
        );
  },
};

const cloudTrail3: ControlSpec = {
  id: "CloudTrail.3",
  title: "At least one CloudTrail trail should be enabled",
  severity: "high",
  cis: cis(null, null),
  fsbp: false,
  on: "trail",
  risk: "A trail that is not logging delivers nothing: activity from then on is kept only in Event History's 90 days of management events.",
  remediation: ({ trail }) => ({
    cli: `aws cloudtrail start-logging --name ${trail.arn}`,
    pulumi: "new aws.cloudtrail.Trail(..., { enableLogging: true })",
  }),
  judge: (facts) => {
    const evidence = { trail: facts.trail.arn, IsLogging: facts.status.isLogging };
    return facts.status.isLogging
      ? pass(`Trail ${facts.trail.name} is logging.`, evidence)
      : fail(`Trail ${facts.trail.name} is not logging (GetTrailStatus IsLogging false).`, evidence, "Start the trail");
  },
};

const cloudTrail4: ControlSpec = {
  id: "CloudTrail.4",
  title: "CloudTrail log file validation should be enabled",
  severity: "low",
  cis: cis("3.2", "3.2"),
  fsbp: true,
  on: "trail",
  risk: "Without signed digests, a log file changed or deleted after delivery cannot be detected, and the logs lose their worth as evidence.",
  remediation: ({ trail }) => ({
    cli: `aws cloudtrail update-trail --name ${trail.arn} --enable-log-file-validation`,
    pulumi: "new aws.cloudtrail.Trail(..., { enableLogFileValidation: true })",
  }),
  judge: (facts) => {
    const on = facts.trail.settings.LogFileValidationEnabled === true;
    const evidence = { trail: facts.trail.arn, LogFileValidationEnabled: facts.trail.settings.LogFileValidationEnabled ?? null };
    return on
      ? pass(`Trail ${facts.trail.name} signs hourly digests of its log files.`, evidence)
      : fail(
          `Trail ${facts.trail.name} has log file validation off: no digest proves its log files unchanged.`,
          evidence,
          "Turn on log file validation, so that CloudTrail signs hourly digests",
        );
  },
};

const cloudTrail5: ControlSpec = {
  id: "CloudTrail.5",
  title: "CloudTrail trails should be integrated with Amazon CloudWatch Logs",
  severity: "low",
  cis: cis("3.4", null),
  fsbp: true,
  on: "trail",
  risk:
    "Without CloudWatch Logs delivery, no metric filter or alarm can react within minutes to events such as a trail being stopped: " +
    "the logs are read only after the fact.",
  remediation: ({ trail }) => ({
    cli: `aws cloudtrail update-trail --name ${trail.arn} --cloud-watch-logs-log-group-arn <group-arn>:* --cloud-watch-logs-role-arn <role-arn>`,
    pulumi:
      "new aws.cloudtrail.Trail(..., { cloudWatchLogsGroupArn: pulumi.interpolate`${group.arn}:*`, cloudWatchLogsRoleArn: role.arn }) " +
      "(in this project: pulumi config set trail-lab:cloudWatchLogs true; ingestion is billed per GB)",
  }),
  judge: (facts) => {
    const s = facts.trail.settings;
    const evidence = {
      trail: facts.trail.arn,
      CloudWatchLogsLogGroupArn: s.CloudWatchLogsLogGroupArn ?? null,
      CloudWatchLogsRoleArn: s.CloudWatchLogsRoleArn ?? null,
    };
    return s.CloudWatchLogsLogGroupArn
      ? pass(`Trail ${facts.trail.name} delivers to CloudWatch Logs group ${s.CloudWatchLogsLogGroupArn}.`, evidence)
      : fail(
          `Trail ${facts.trail.name} delivers to no CloudWatch Logs group.`,
          evidence,
          "Deliver the trail to a CloudWatch Logs group as well (in the lab: pulumi config set trail-lab:cloudWatchLogs true; ingestion is billed per GB)",
        );
  },
};

const PUBLIC_GROUPS: Record<string, string> = {
  "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
  "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
};

/** A grant as evidence shows it: who, and what. */
export function grantInWords(grant: Grant): { grantee: string; type: string | null; permission: string | null } {
  const g = grant.Grantee;
  return {
    grantee: g?.URI ?? g?.ID ?? g?.EmailAddress ?? g?.DisplayName ?? "(unknown)",
    type: g?.Type ?? null,
    permission: grant.Permission ?? null,
  };
}

/** What S3 enforces of Block Public Access on a bucket: a setting is on when the bucket's or the account's is. */
function effectiveBlock(facts: PostureFacts, subject: JudgedBucket) {
  const bucket = subject.settings.publicAccessBlock;
  const account = facts.accountBlock.read ? facts.accountBlock.config : null;
  const on = (key: "IgnorePublicAcls" | "RestrictPublicBuckets") => bucket?.[key] === true || account?.[key] === true;
  return { ignorePublicAcls: on("IgnorePublicAcls"), restrictPublicBuckets: on("RestrictPublicBuckets") };
}

const cloudTrail6: ControlSpec = {
  id: "CloudTrail.6",
  title: "Ensure the S3 bucket used to store CloudTrail logs is not publicly accessible",
  severity: "critical",
  cis: cis("3.3", null),
  fsbp: false,
  on: "trail-bucket",
  risk:
    "A public log bucket lets anyone read the account's record of activity (who did what, from where, on which resources: a map " +
    "for an attacker), and a public write or delete grant lets them erase it.",
  remediation: (_facts, { settings: { bucket } }) => ({
    cli:
      `aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration ${BLOCK_ALL} && ` +
      `aws s3api put-bucket-ownership-controls --bucket ${bucket} --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'`,
    pulumi:
      "new aws.s3.BucketPublicAccessBlock(..., { bucket: bucket.id, blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true }) " +
      'and new aws.s3.BucketOwnershipControls(..., { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } })',
  }),
  judge(facts, subject) {
    const b = subject.settings;
    const block = effectiveBlock(facts, subject);
    const aclsOff = b.ownership === "BucketOwnerEnforced";
    const publicGrants = b.grants.filter((g) => g.Grantee?.URI && PUBLIC_GROUPS[g.Grantee.URI]).map(grantInWords);
    const grantsCount = !aclsOff && !block.ignorePublicAcls && publicGrants.length > 0;
    const policyCounts = b.policyIsPublic === true && !block.restrictPublicBuckets;
    const evidence = {
      bucket: b.bucket,
      PolicyStatus: b.policyIsPublic === null ? null : { IsPublic: b.policyIsPublic },
      PublicAccessBlock: b.publicAccessBlock,
      AccountPublicAccessBlock: facts.accountBlock.read ? facts.accountBlock.config : null,
      ObjectOwnership: b.ownership,
      Grants: b.grants.map(grantInWords),
      publicGrants,
    };
    const why = [
      policyCounts &&
        "its bucket policy is public (GetBucketPolicyStatus IsPublic) and RestrictPublicBuckets is off for the bucket and the account",
      grantsCount &&
        `its ACL grants ${publicGrants.map((g) => `${g.permission} to ${PUBLIC_GROUPS[g.grantee]}`).join(", ")} and IgnorePublicAcls is off for the bucket and the account`,
    ].filter((w): w is string => !!w);
    if (why.length === 0) {
      const acl = aclsOff
        ? "ACLs are disabled (BucketOwnerEnforced)"
        : publicGrants.length === 0
          ? `its ACL grants nothing to AllUsers or AuthenticatedUsers (${b.grants.length} grant(s), read with GetBucketAcl)`
          : "IgnorePublicAcls neutralises its public ACL grants";
      const policy = b.policyIsPublic === true ? "RestrictPublicBuckets confines its public policy" : "its policy is not public";
      return pass(`s3://${b.bucket} is not public: ${policy}, and ${acl}.`, evidence);
    }
    return fail(`s3://${b.bucket} is public: ${why.join("; ")}.`, evidence, `Make s3://${b.bucket} private and disable ACLs`);
  },
};

const cloudTrail7: ControlSpec = {
  id: "CloudTrail.7",
  title: "Ensure S3 bucket access logging is enabled on the CloudTrail S3 bucket",
  severity: "low",
  cis: cis("3.6", "3.4"),
  fsbp: false,
  on: "trail-bucket",
  risk: "Without server access logs on the log bucket, nobody can tell who read, copied or deleted the audit logs themselves.",
  remediation: accessLoggingRemediation,
  judge: (_facts, subject) => accessLoggingVerdict(subject),
};

export function accessLoggingRemediation(_facts: PostureFacts, { settings: { bucket } }: JudgedBucket) {
  return {
    cli: `aws s3api put-bucket-logging --bucket ${bucket} --bucket-logging-status '{"LoggingEnabled":{"TargetBucket":"<log-bucket>","TargetPrefix":"${bucket}/"}}'`,
    pulumi: `new aws.s3.BucketLogging(..., { bucket: bucket.id, targetBucket: logBucket.id, targetPrefix: "${bucket}/" }), the target's policy letting logging.s3.amazonaws.com write`,
  };
}

export function accessLoggingVerdict({ settings: b }: JudgedBucket) {
  const evidence = {
    bucket: b.bucket,
    LoggingEnabled: b.logging && { TargetBucket: b.logging.targetBucket, TargetPrefix: b.logging.targetPrefix },
  };
  return b.logging
    ? pass(`s3://${b.bucket} logs its access to s3://${b.logging.targetBucket}/${b.logging.targetPrefix}.`, evidence)
    : fail(
        `s3://${b.bucket} has server access logging off.`,
        evidence,
        `Turn on server access logging of s3://${b.bucket} into a separate bucket`,
      );
}

export const CLOUDTRAIL_CONTROLS: readonly ControlSpec[] = [
  cloudTrail1,
  cloudTrail2,
  cloudTrail3,
  cloudTrail4,
  cloudTrail5,
  cloudTrail6,
  cloudTrail7,
];
