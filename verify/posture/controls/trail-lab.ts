// trail-lab's own controls, for what Security Hub does not judge but breaks a trail all the same:
// TrailLab.Delivery (the bucket policy still lets this trail write: a trail whose delivery is
// refused still reports Logging), TrailLab.Retention (no lifecycle rule expires its log files
// sooner than the retention asked for) and TrailLab.DataEventLoop (no data-event selector records
// writes to its own log bucket, a loop that logs each delivery again without end).
import type { LifecycleRule } from "@aws-sdk/client-s3";
import { recordsObjectEvent } from "../../trail/data-events";
import { accountOf, cis, fail, logRoot, pass, partitionOf, sampleLogKey, type ControlSpec, type PostureFacts } from "./control";
import { parsePolicy } from "./policy-document";
import { evaluateRequest, type ServiceRequest } from "./policy-request";

/** infra/'s retentionDays default: the days the lab's lifecycle keeps log files. */
export const DEFAULT_RETENTION_DAYS = 90;

/** CloudTrail's own requests on a trail's bucket, as its documentation's bucket policy allows them. */
export function deliveryRequests(facts: PostureFacts): ServiceRequest[] {
  const context = {
    "aws:SourceArn": facts.trail.arn,
    "aws:SourceAccount": accountOf(facts) ?? "",
    "aws:SecureTransport": "true",
  };
  const write = (key: string): ServiceRequest => ({
    service: "cloudtrail.amazonaws.com",
    action: "s3:PutObject",
    resource: `${facts.bucketArn}/${key}`,
    context: { ...context, "s3:x-amz-acl": "bucket-owner-full-control" },
  });
  return [
    { service: "cloudtrail.amazonaws.com", action: "s3:GetBucketAcl", resource: facts.bucketArn, context },
    write(sampleLogKey(facts, "CloudTrail")),
    write(sampleLogKey(facts, "CloudTrail-Digest")),
  ];
}

const delivery: ControlSpec = {
  id: "TrailLab.Delivery",
  title: "The trail's bucket policy should let this trail deliver its log files",
  severity: "high",
  cis: cis(null, null),
  fsbp: false,
  on: "trail-bucket",
  risk:
    "When the bucket policy no longer lets CloudTrail write, the trail records nothing from its next delivery on while it still " +
    "reports Logging; only GetTrailStatus's LatestDeliveryError shows the gap.",
  remediation: (facts) => ({
    cli:
      `aws s3api put-bucket-policy --bucket ${facts.bucket.bucket} --policy file://policy.json, the policy allowing cloudtrail.amazonaws.com ` +
      `s3:GetBucketAcl on ${facts.bucketArn} and s3:PutObject on ${facts.bucketArn}/${logRoot(facts)}* with s3:x-amz-acl = bucket-owner-full-control, ` +
      `both for aws:SourceArn = ${facts.trail.arn}`,
    pulumi:
      "new aws.s3.BucketPolicy(..., { bucket: bucket.id, policy }) with CloudTrail's two documented statements " +
      "(AWSCloudTrailAclCheck20150319, AWSCloudTrailWrite20150319) scoped by aws:SourceArn to the trail, as infra/bucket-policy.ts writes them",
  }),
  judge(facts) {
    const parsed = parsePolicy(facts.bucket.policy);
    const evidence: Record<string, unknown> = { bucket: facts.bucket.bucket, trail: facts.trail.arn };
    if ("problem" in parsed) {
      return fail(
        `CloudTrail cannot deliver to s3://${facts.bucket.bucket}: ${parsed.problem}.`,
        { ...evidence, requests: null },
        "Give the bucket CloudTrail's policy",
      );
    }
    const verdicts = deliveryRequests(facts).map((r) => ({ request: r, verdict: evaluateRequest(parsed.statements, r) }));
    evidence.requests = verdicts.map(({ request, verdict }) => ({
      action: request.action,
      resource: request.resource,
      decision: verdict.decision,
      statements: verdict.by,
      ...(verdict.undecided.length > 0 ? { undecided: verdict.undecided } : {}),
    }));
    const refused = verdicts.filter(({ verdict }) => verdict.decision !== "allowed");
    if (refused.length === 0) {
      return pass(
        `The policy of s3://${facts.bucket.bucket} lets trail ${facts.trail.name} check the bucket ACL and write its log files and digests under ${logRoot(facts)}.`,
        evidence,
      );
    }
    const why = refused.map(({ request, verdict }) => {
      const what = `${request.action} on ${request.resource}`;
      if (verdict.decision === "denied") return `${what} is denied (statement ${verdict.by.join(", ")})`;
      if (verdict.decision === "undecided") return `${what} may be denied: ${verdict.undecided.join("; ")}`;
      return `${what} is allowed by no statement for this trail's aws:SourceArn`;
    });
    return fail(
      `The policy of s3://${facts.bucket.bucket} no longer lets trail ${facts.trail.name} deliver: ${why.join("; ")}.`,
      evidence,
      "Restore CloudTrail's statements in the bucket policy",
    );
  },
};

/** The key prefix a rule filters on ("" for every object), or null when it cannot match a log file (a tag filter: log files carry none). */
function rulePrefix(rule: LifecycleRule): string | null {
  const filter = rule.Filter;
  if (filter?.Tag || (filter?.And?.Tags?.length ?? 0) > 0) return null;
  return filter?.Prefix ?? filter?.And?.Prefix ?? rule.Prefix ?? "";
}

const retention: ControlSpec = {
  id: "TrailLab.Retention",
  title: "No lifecycle rule should expire the trail's log files sooner than their retention",
  severity: "medium",
  cis: cis(null, null),
  fsbp: false,
  on: "trail-bucket",
  risk:
    "Log files deleted before their retention ends shorten the window an investigation can look back over, and whoever may change " +
    "the lifecycle configuration can erase the record without a single DeleteObject.",
  remediation: (facts) => ({
    cli:
      `aws s3api put-bucket-lifecycle-configuration --bucket ${facts.bucket.bucket} --lifecycle-configuration ` +
      `'{"Rules":[{"ID":"expire-after-retention","Status":"Enabled","Filter":{},"Expiration":{"Days":${facts.retentionDays}},"NoncurrentVersionExpiration":{"NoncurrentDays":${facts.retentionDays}}}]}'`,
    pulumi:
      `new aws.s3.BucketLifecycleConfiguration(..., { bucket: bucket.id, rules: [{ id: "expire-after-retention", status: "Enabled", filter: {}, ` +
      `expiration: { days: ${facts.retentionDays} }, noncurrentVersionExpiration: { noncurrentDays: ${facts.retentionDays} } }] }) (in this project: trail-lab:retentionDays)`,
  }),
  judge(facts) {
    const root = logRoot(facts);
    const days = facts.retentionDays;
    const latestAllowed = Date.now() + days * 86_400_000;
    const rules = (facts.bucket.lifecycleRules ?? []).filter((r) => r.Status === "Enabled");
    const applying = rules.filter((r) => {
      const prefix = rulePrefix(r);
      return prefix !== null && (root.startsWith(prefix) || prefix.startsWith(root));
    });
    const short = applying.flatMap((r) => {
      const name = r.ID ?? "(no ID)";
      const found: string[] = [];
      if (r.Expiration?.Days !== undefined && r.Expiration.Days < days)
        found.push(`rule ${name} expires them after ${r.Expiration.Days} day(s)`);
      if (r.Expiration?.Date && new Date(r.Expiration.Date).getTime() < latestAllowed)
        found.push(`rule ${name} expires them on ${new Date(r.Expiration.Date).toISOString().slice(0, 10)}`);
      const noncurrent = r.NoncurrentVersionExpiration?.NoncurrentDays;
      if (noncurrent !== undefined && noncurrent < days)
        found.push(`rule ${name} removes their deleted or overwritten versions after ${noncurrent} day(s)`);
      return found;
    });
    const evidence = {
      bucket: facts.bucket.bucket,
      logPrefix: root,
      retentionDays: days,
      rules: applying.map((r) => ({
        ID: r.ID ?? null,
        prefix: rulePrefix(r),
        ExpirationDays: r.Expiration?.Days ?? null,
        ExpirationDate: r.Expiration?.Date?.toISOString() ?? null,
        NoncurrentDays: r.NoncurrentVersionExpiration?.NoncurrentDays ?? null,
      })),
    };
    if (short.length > 0) {
      return fail(
        `Log files under s3://${facts.bucket.bucket}/${root} go sooner than the ${days}-day retention: ${short.join("; ")}.`,
        evidence,
        `Keep log files at least ${days} days`,
      );
    }
    return pass(
      applying.length === 0
        ? `No enabled lifecycle rule expires log files under s3://${facts.bucket.bucket}/${root}: they are kept until deleted.`
        : `No enabled lifecycle rule expires log files under s3://${facts.bucket.bucket}/${root} sooner than ${days} days.`,
      evidence,
    );
  },
};

const dataEventLoop: ControlSpec = {
  id: "TrailLab.DataEventLoop",
  title: "The trail's data-event selectors should not record writes to its own log buckets",
  severity: "medium",
  cis: cis(null, null),
  fsbp: false,
  on: "trail",
  risk:
    "A trail that records S3 data events on its own log bucket records its own deliveries, then the deliveries of those records, " +
    "without end: data events are billed per 100,000, and the loop buries real object activity under noise.",
  remediation: (facts) => ({
    cli:
      `aws cloudtrail put-event-selectors --trail-name ${facts.trail.arn} --advanced-event-selectors with, in each S3 data selector, ` +
      `{"Field":"resources.ARN","NotStartsWith":["${facts.bucketArn}/"]} (or name only the buckets to record, with StartsWith)`,
    pulumi:
      "in aws.cloudtrail.Trail's advancedEventSelectors, add to each S3 data selector " +
      '{ field: "resources.ARN", notStartsWiths: [pulumi.interpolate`${logBucket.arn}/`] }, or name only the buckets to record with startsWiths',
  }),
  judge(facts) {
    const logBuckets = [
      { bucket: facts.bucket.bucket, key: sampleLogKey(facts) },
      ...facts.otherBuckets.filter((b) => b.role === "access-log").map((b) => ({ bucket: b.settings.bucket, key: "access-log-object" })),
    ];
    const partition = partitionOf(facts);
    const looping = logBuckets.filter(({ bucket, key }) =>
      recordsObjectEvent(facts.selectors, `arn:${partition}:s3:::${bucket}/${key}`, "write", "PutObject"),
    );
    const evidence = {
      trail: facts.trail.arn,
      logBuckets: logBuckets.map((b) => b.bucket),
      looping: looping.map((b) => b.bucket),
      EventSelectors: facts.selectors.EventSelectors ?? null,
      AdvancedEventSelectors: facts.selectors.AdvancedEventSelectors ?? null,
    };
    if (looping.length > 0) {
      return fail(
        `Trail ${facts.trail.name}'s data-event selectors record object writes in ${looping.map((b) => `s3://${b.bucket}`).join(" and ")}, ` +
          "where its own log files (or their access logs) are written: each delivery is a data event the next delivery records.",
        evidence,
        "Exclude the log buckets from the trail's S3 data-event selectors, or name only the buckets to record",
      );
    }
    return pass(
      `Trail ${facts.trail.name} records no S3 object writes in its own log buckets (${logBuckets.map((b) => b.bucket).join(", ")}).`,
      evidence,
    );
  },
};

export const TRAIL_LAB_CONTROLS: readonly ControlSpec[] = [delivery, retention, dataEventLoop];
