// Security Hub's S3 controls that matter for a trail's stack: S3.1 on the account (its own Block
// Public Access, read through S3 Control), S3.4 to S3.20 on each of the stack's buckets, and S3.22
// and S3.23 (CIS 3.8 and 3.9, object-level data events) on the account's trails. Severities and
// CIS sections are Security Hub's S3 control page's (S3.4, retired, as its page last stood).
import { objectScope, type Access, type ObjectScope } from "../../trail/data-events";
import { accessLoggingRemediation, accessLoggingVerdict } from "./cloudtrail";
import { accountOf, BLOCK_ALL, cis, fail, pass, partitionOf, type ControlSpec, type PostureFacts, type Verdict } from "./control";
import { tlsOnlyVerdict } from "./tls-policy";

const BLOCK_KEYS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;

function offSettings(config: Partial<Record<(typeof BLOCK_KEYS)[number], boolean>> | null): string[] {
  return BLOCK_KEYS.filter((k) => config?.[k] !== true);
}

const s3_1: ControlSpec = {
  id: "S3.1",
  title: "S3 general purpose buckets should have block public access settings enabled",
  severity: "medium",
  cis: cis("2.1.5", "2.1.4"),
  fsbp: true,
  on: "account",
  risk: "Without the account's own Block Public Access, one new bucket, or one changed policy or ACL, can make data public: the account has no backstop.",
  remediation: (facts) => ({
    cli: `aws s3control put-public-access-block --account-id ${accountOf(facts) ?? "<account>"} --public-access-block-configuration ${BLOCK_ALL}`,
    pulumi:
      "new aws.s3.AccountPublicAccessBlock(..., { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true })",
  }),
  judge(facts) {
    const account = accountOf(facts);
    if (!facts.accountBlock.read) {
      return {
        status: "n/a",
        detail: `The account's Block Public Access was not read: ${facts.accountBlock.reason}.`,
        evidence: { account, PublicAccessBlock: null, unread: facts.accountBlock.reason },
        manual: `Check it by hand: aws s3control get-public-access-block --account-id ${account ?? "<account>"}`,
      };
    }
    const config = facts.accountBlock.config;
    const evidence = { account, PublicAccessBlock: config };
    const off = offSettings(config);
    return off.length === 0
      ? pass(`Account ${account}'s Block Public Access has all four settings on.`, evidence)
      : fail(
          config
            ? `Account ${account}'s Block Public Access has ${off.join(", ")} off.`
            : `Account ${account} has no Block Public Access configuration (S3 Control: NoSuchPublicAccessBlockConfiguration).`,
          evidence,
          `Turn on all four account-level settings`,
        );
  },
};

const s3_4: ControlSpec = {
  id: "S3.4",
  title: "S3 general purpose buckets should have server-side encryption enabled",
  severity: "medium",
  cis: cis("2.1.1", null),
  fsbp: true,
  on: "each-bucket",
  risk: "Objects written without a default encryption rule depend on every writer asking for encryption (S3 has encrypted new objects with SSE-S3 by default since January 2023).",
  remediation: (_f, { settings: { bucket } }) => ({
    cli: `aws s3api put-bucket-encryption --bucket ${bucket} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'`,
    pulumi:
      'new aws.s3.BucketServerSideEncryptionConfiguration(..., { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] })',
  }),
  judge(_facts, { settings: b }) {
    const rules = b.encryptionRules;
    const evidence = {
      bucket: b.bucket,
      rules:
        rules &&
        rules.map((r) => ({
          SSEAlgorithm: r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? null,
          KMSMasterKeyID: r.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID ?? null,
          BucketKeyEnabled: r.BucketKeyEnabled ?? null,
        })),
    };
    const algorithm = (rules ?? []).map((r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).find(Boolean);
    return algorithm
      ? pass(`s3://${b.bucket} encrypts new objects by default with ${algorithm}.`, evidence)
      : fail(`s3://${b.bucket} has no default encryption rule.`, evidence, "Set default encryption");
  },
};

const s3_5: ControlSpec = {
  id: "S3.5",
  title: "S3 general purpose buckets should require requests to use SSL",
  severity: "medium",
  cis: cis("2.1.2", "2.1.1"),
  fsbp: true,
  on: "each-bucket",
  risk: "A bucket that accepts plain HTTP lets a request, and the objects it reads or writes, travel unencrypted where they can be read or altered.",
  remediation: (_f, { settings: { bucket }, arn }) => ({
    cli:
      `aws s3api put-bucket-policy --bucket ${bucket} --policy file://policy.json, the policy holding a statement ` +
      `{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["${arn}","${arn}/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
    pulumi:
      'new aws.s3.BucketPolicy(..., { bucket: bucket.id, policy }) with the statement { Effect: "Deny", Principal: "*", Action: "s3:*", ' +
      'Resource: [bucket.arn, `${bucket.arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }',
  }),
  judge(_facts, { settings: b, arn }) {
    const tls = tlsOnlyVerdict(b.policy, arn);
    const evidence = { bucket: b.bucket, denyStatement: tls.enforced ? tls.statement : null, reason: tls.enforced ? null : tls.reason };
    return tls.enforced
      ? pass(`s3://${b.bucket}'s policy denies every request sent without TLS.`, evidence)
      : fail(
          `s3://${b.bucket} accepts requests without TLS: ${tls.reason}.`,
          evidence,
          `Add a TLS-only deny to the policy of s3://${b.bucket}`,
        );
  },
};

const s3_8: ControlSpec = {
  id: "S3.8",
  title: "S3 general purpose buckets should block public access",
  severity: "high",
  cis: cis("2.1.5", "2.1.4"),
  fsbp: true,
  on: "each-bucket",
  risk: "Without the bucket's own Block Public Access, a policy or ACL change can make the bucket public, whatever the account's settings become later.",
  remediation: (_f, { settings: { bucket } }) => ({
    cli: `aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration ${BLOCK_ALL}`,
    pulumi:
      "new aws.s3.BucketPublicAccessBlock(..., { bucket: bucket.id, blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true })",
  }),
  judge(_facts, { settings: b }) {
    const off = offSettings(b.publicAccessBlock);
    const evidence = { bucket: b.bucket, PublicAccessBlock: b.publicAccessBlock };
    return off.length === 0
      ? pass(`s3://${b.bucket} has all four Block Public Access settings on.`, evidence)
      : fail(
          b.publicAccessBlock
            ? `s3://${b.bucket} has ${off.join(", ")} off.`
            : `s3://${b.bucket} has no Block Public Access configuration.`,
          evidence,
          "Turn on all four settings",
        );
  },
};

const s3_9: ControlSpec = {
  id: "S3.9",
  title: "S3 general purpose buckets should have server access logging enabled",
  severity: "medium",
  cis: cis(null, null),
  fsbp: true,
  on: "each-bucket",
  risk: "Without server access logs, requests to the bucket (reads, copies, deletes, by whom and from where) leave no record beyond CloudTrail's data events, if any.",
  remediation: accessLoggingRemediation,
  judge(facts, subject) {
    const verdict = accessLoggingVerdict(subject);
    const source = [{ settings: facts.bucket }, ...facts.otherBuckets]
      .map((b) => b.settings)
      .find((b) => b.bucket !== subject.settings.bucket && b.logging?.targetBucket === subject.settings.bucket);
    if (verdict.status === "fail" && subject.role === "access-log" && source) {
      return {
        ...verdict,
        accepted: {
          reason:
            `s3://${subject.settings.bucket} receives the server access logs of s3://${source.bucket}: ` +
            "S3 advises against logging a log target's own access (into itself, each delivery would be logged again without end).",
        },
      };
    }
    return verdict;
  },
};

const s3_12: ControlSpec = {
  id: "S3.12",
  title: "ACLs should not be used to manage user access to S3 general purpose buckets",
  severity: "medium",
  cis: cis(null, null),
  fsbp: true,
  on: "each-bucket",
  risk: "ACLs grant access outside the bucket policy and IAM, where reviews rarely look; a grant to a group such as AllUsers makes the bucket public.",
  remediation: (_f, { settings: { bucket } }) => ({
    cli: `aws s3api put-bucket-ownership-controls --bucket ${bucket} --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'`,
    pulumi: 'new aws.s3.BucketOwnershipControls(..., { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } })',
  }),
  judge(_facts, { settings: b }) {
    const evidence = { bucket: b.bucket, ObjectOwnership: b.ownership };
    return b.ownership === "BucketOwnerEnforced"
      ? pass(`s3://${b.bucket} has ACLs disabled (Object Ownership BucketOwnerEnforced).`, evidence)
      : fail(`s3://${b.bucket} still honours ACLs (Object Ownership ${b.ownership ?? "not set"}).`, evidence, "Disable ACLs");
  },
};

const s3_14: ControlSpec = {
  id: "S3.14",
  title: "S3 general purpose buckets should have versioning enabled",
  severity: "low",
  cis: cis(null, null),
  fsbp: false,
  on: "each-bucket",
  risk: "Without versioning, an overwritten or deleted object is gone at once: nothing remains to recover or to compare.",
  remediation: (_f, { settings: { bucket } }) => ({
    cli: `aws s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled`,
    pulumi: 'new aws.s3.BucketVersioning(..., { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } })',
  }),
  judge(_facts, { settings: b }) {
    const evidence = { bucket: b.bucket, Status: b.versioning };
    return b.versioning === "Enabled"
      ? pass(`s3://${b.bucket} has versioning enabled.`, evidence)
      : fail(
          `s3://${b.bucket} has versioning ${b.versioning ? b.versioning.toLowerCase() : "never turned on"}.`,
          evidence,
          "Turn on versioning",
        );
  },
};

const s3_20: ControlSpec = {
  id: "S3.20",
  title: "S3 general purpose buckets should have MFA delete enabled",
  severity: "low",
  cis: cis("2.1.3", "2.1.2"),
  fsbp: false,
  on: "each-bucket",
  risk: "Without MFA delete, whoever holds the bucket's delete permissions (or stolen credentials) can delete object versions for good and suspend versioning, erasing the record.",
  remediation: (facts, { settings: { bucket } }) => ({
    cli:
      `aws s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled,MFADelete=Enabled ` +
      `--mfa "arn:${partitionOf(facts)}:iam::${accountOf(facts) ?? "<account>"}:mfa/root-account-mfa-device <code>" (as the root user, with its MFA device)`,
    pulumi:
      'new aws.s3.BucketVersioning(..., { bucket: bucket.id, mfa: "<root MFA serial> <code>", versioningConfiguration: { status: "Enabled", mfaDelete: "Enabled" } }): ' +
      "only the root user with its MFA device may turn it on, so it is usually done once by hand",
  }),
  judge(_facts, { settings: b }) {
    const evidence = { bucket: b.bucket, Status: b.versioning, MFADelete: b.mfaDelete };
    return b.mfaDelete === "Enabled"
      ? pass(`s3://${b.bucket} requires MFA to delete object versions.`, evidence)
      : fail(
          `s3://${b.bucket} has MFA delete ${b.mfaDelete ? b.mfaDelete.toLowerCase() : "not configured"}.`,
          evidence,
          "Turn on MFA delete as the root user",
        );
  },
};

function scopeInWords(scope: ObjectScope): string {
  if (scope.allBuckets) return `every bucket${scope.except.length > 0 ? ` except ${scope.except.join(", ")}` : ""}`;
  if (scope.prefixes.length > 0) return `${scope.prefixes.join(", ")} only`;
  if (scope.narrowedBy.length > 0) return `some events only, narrowed by ${scope.narrowedBy.join(", ")}`;
  return "no S3 objects";
}

/** S3.22 (writes) and S3.23 (reads): some multi-Region trail that is logging records S3 object-level events on every bucket. */
function dataEventVerdict(facts: PostureFacts, access: Access): Verdict {
  const partition = partitionOf(facts);
  const trails = [
    {
      name: facts.trail.name,
      arn: facts.trail.arn,
      isMultiRegion: facts.trail.isMultiRegion,
      isLogging: facts.status.isLogging as boolean | null,
      selectors: facts.selectors,
      unread: null as string | null,
    },
    ...facts.otherTrails,
  ];
  const judged = trails.map((t) => ({ trail: t, scope: t.selectors && objectScope(t.selectors, access, partition) }));
  const evidence = {
    account: accountOf(facts),
    trails: judged.map(({ trail, scope }) => ({
      trail: trail.arn,
      IsMultiRegionTrail: trail.isMultiRegion,
      IsLogging: trail.isLogging,
      objects: scope ? scopeInWords(scope) : null,
      unread: trail.unread,
    })),
  };
  const kind = access === "write" ? "write" : "read";
  const passing = judged.find(({ trail, scope }) => trail.isMultiRegion && trail.isLogging === true && scope?.allBuckets);
  if (passing) {
    return pass(
      `Trail ${passing.trail.name} (multi-Region, logging) records S3 object-level ${kind} events on ${scopeInWords(passing.scope!)}.`,
      evidence,
    );
  }
  const unread = judged.filter(({ trail }) => trail.unread);
  if (unread.length > 0) {
    return {
      status: "n/a",
      detail: `No trail read records S3 object-level ${kind} events on every bucket, and ${unread.map(({ trail }) => trail.name).join(", ")} could not be read: ${unread.map(({ trail }) => trail.unread).join("; ")}.`,
      evidence,
      manual: `Check those trails by hand: aws cloudtrail get-event-selectors --trail-name <trail-arn> (in the trail's home region)`,
    };
  }
  const partial = judged.filter(({ scope }) => scope && (scope.allBuckets || scope.prefixes.length > 0 || scope.narrowedBy.length > 0));
  const detail =
    partial.length === 0
      ? `No trail of the account records S3 object-level ${kind} events.`
      : `No multi-Region trail that is logging records S3 object-level ${kind} events on every bucket: ` +
        partial
          .map(
            ({ trail, scope }) =>
              `${trail.name} records them on ${scopeInWords(scope!)}${trail.isMultiRegion ? "" : " (single-Region)"}${trail.isLogging ? "" : " (not logging)"}`,
          )
          .join("; ") +
        ".";
  return fail(
    detail,
    evidence,
    `Record S3 object-level ${kind} events on every bucket in a multi-Region trail, leaving out its own log bucket`,
  );
}

function dataEventRemediation(facts: PostureFacts, access: Access) {
  const readOnly = access === "write" ? "false" : "true";
  const logBucket = `arn:${partitionOf(facts)}:s3:::${facts.bucket.bucket}/`;
  return {
    cli:
      `aws cloudtrail put-event-selectors --trail-name ${facts.trail.arn} --advanced-event-selectors '[` +
      `{"Name":"Management events","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]},` +
      `{"Name":"S3 object ${access}s, not the log bucket","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},` +
      `{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"readOnly","Equals":["${readOnly}"]},` +
      `{"Field":"resources.ARN","NotStartsWith":["${logBucket}"]}]}]'`,
    pulumi:
      `new aws.cloudtrail.Trail(..., { advancedEventSelectors: [{ name: "Management events", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] }, ` +
      `{ name: "S3 object ${access}s", fieldSelectors: [{ field: "eventCategory", equals: ["Data"] }, { field: "resources.type", equals: ["AWS::S3::Object"] }, ` +
      `{ field: "readOnly", equals: ["${readOnly}"] }, { field: "resources.ARN", notStartsWiths: [pulumi.interpolate\`\${logBucket.arn}/\`] }] }] }) ` +
      "(data events are billed per 100,000 events delivered)",
  };
}

const s3_22: ControlSpec = {
  id: "S3.22",
  title: "S3 general purpose buckets should log object-level write events",
  severity: "medium",
  cis: cis(null, "3.8"),
  fsbp: false,
  on: "account",
  risk: "Without object-level write events, nobody can tell who uploaded, overwrote or deleted which object: CloudTrail records bucket-level calls only, unless told otherwise.",
  remediation: (facts) => dataEventRemediation(facts, "write"),
  judge: (facts) => dataEventVerdict(facts, "write"),
};

const s3_23: ControlSpec = {
  id: "S3.23",
  title: "S3 general purpose buckets should log object-level read events",
  severity: "medium",
  cis: cis(null, "3.9"),
  fsbp: false,
  on: "account",
  risk: "Without object-level read events, a copy of sensitive objects (an exfiltration) leaves no record of who read what.",
  remediation: (facts) => dataEventRemediation(facts, "read"),
  judge: (facts) => dataEventVerdict(facts, "read"),
};

export const S3_CONTROLS: readonly ControlSpec[] = [s3_1, s3_4, s3_5, s3_8, s3_9, s3_12, s3_14, s3_20, s3_22, s3_23];
