// A lab run's evidence as the lab writes it (lab-runs/<stack>/evidence.json), for each way a run
// ends: verified; not verified by the deadline; the probe's up failed; cleanup left something
// behind. Phase timings, verify's evidence with the matched RunInstances record, the probe as EC2
// described it, and posture judged by verify's own controls over the default stack's facts
// (CloudTrail.2 and CloudTrail.5 fail, as they do in AWS). `hostile` puts markup in fields a
// caller or a tamperer controls, to prove the report never runs or fetches it.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { LabReport } from "../../automation/evidence";
import { judgeControls, type PostureFacts } from "../../verify/posture/controls";
import { judgedFacts } from "../../verify/posture/facts";
import { FixtureFactory } from "./cloudtrail-fixtures";
import { instanceView } from "./lab-fakes";

export const HOSTILE_AGENT = `<script>document.title="pwned";fetch("http://127.0.0.1:9/x")</script><img src="http://127.0.0.1:9/y.png">`;
export const HOSTILE_SID = `</pre><script>alert(1)</script>`;
export const HOSTILE_NAME = `"><svg onload=alert(2)><a href="http://127.0.0.1:9/">`;

export const OUTCOMES = ["verified", "not-verified", "up-failed", "cleanup-failed"] as const;
export type Outcome = (typeof OUTCOMES)[number];

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const STACK = "lab-20261125-211500-3fa9";
const START = Date.parse("2026-11-25T21:15:00Z");
const at = (s: number) => new Date(START + s * 1000).toISOString();
const phase = (from: number, to: number) => ({ startedAt: at(from), endedAt: at(to), ms: (to - from) * 1000 });

/** The lab's bucket policy as infra/bucket-policy.ts writes it. */
function bucketPolicy(bucket: string, trailArn: string, sid: string): string {
  const arn = `arn:aws:s3:::${bucket}`;
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "AWSCloudTrailAclCheck20150319", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:GetBucketAcl", Resource: arn, Condition: { StringEquals: { "aws:SourceArn": trailArn } } },
      {
        Sid: "AWSCloudTrailWrite20150319",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${arn}/AWSLogs/${ACCOUNT}/*`,
        Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailArn } },
      },
      { Sid: sid, Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ],
  });
}

/** What posture reads of the default stack: everything on but the KMS key and CloudWatch Logs. */
function defaultStackFacts(bucket: string, accessLogBucket: string, trailArn: string, hostile: boolean): PostureFacts {
  return {
    region: REGION,
    bucketArn: `arn:aws:s3:::${bucket}`,
    trail: {
      name: "my-logs-trail",
      arn: trailArn,
      bucket,
      prefix: null,
      homeRegion: REGION,
      isMultiRegion: true,
      isOrganization: false,
      settings: {
        Name: "my-logs-trail",
        S3BucketName: bucket,
        IncludeGlobalServiceEvents: true,
        IsMultiRegionTrail: true,
        HomeRegion: REGION,
        TrailARN: trailArn,
        LogFileValidationEnabled: true,
        HasCustomEventSelectors: false,
        HasInsightSelectors: false,
        IsOrganizationTrail: false,
      },
    },
    status: { isLogging: true, latestDeliveryTime: new Date(START + 560_000), latestDeliveryError: null },
    selectors: { EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }] },
    bucket: {
      bucket,
      region: REGION,
      publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      encryptionRules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: false }],
      policy: bucketPolicy(bucket, trailArn, hostile ? HOSTILE_SID : "DenyInsecureTransport"),
      policyIsPublic: false,
      versioning: "Enabled",
      ownership: "BucketOwnerEnforced",
      logging: { targetBucket: accessLogBucket, targetPrefix: "audit-bucket/" },
      lifecycleRules: [{ ID: "expire-after-retention", Status: "Enabled", Filter: {}, Expiration: { Days: 90 }, NoncurrentVersionExpiration: { NoncurrentDays: 90 } }],
    },
  };
}

/** The matched log file as CloudTrail delivered it, for a copy in lab-runs/ whose hash the evidence names. */
export function rawLogFile(evidence: LabReport): Buffer {
  return gzipSync(JSON.stringify({ Records: evidence.verify?.event ? [evidence.verify.event] : [] }));
}

export function labEvidence({ hostile = false, outcome = "verified" }: { hostile?: boolean; outcome?: Outcome } = {}): LabReport {
  const f = new FixtureFactory(ACCOUNT, 77);
  const instanceId = f.instanceId();
  const record = f.runInstances(REGION, new Date(START + 250_000), instanceId);
  if (hostile) record.userAgent = HOSTILE_AGENT;
  const bucket = "audit-logs-bucket-20261125211500000000000001";
  const accessLogBucket = "audit-logs-access-logs-bucket-20261125211500000000000002";
  const key = f.logKey(REGION, new Date(START + 560_000));
  const trailArn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/my-logs-trail`;
  const facts = defaultStackFacts(bucket, accessLogBucket, trailArn, hostile);
  const upFailed = outcome === "up-failed";
  const found = outcome !== "not-verified" && !upFailed;
  const outputs = {
    bucketName: bucket,
    trailName: "my-logs-trail",
    trailArn,
    instanceId: upFailed ? null : instanceId,
    region: REGION,
    accountId: ACCOUNT,
    logPrefix: `AWSLogs/${ACCOUNT}/CloudTrail/`,
    accessLogBucketName: accessLogBucket,
    kmsKeyArn: null,
    logGroupName: null,
  };
  const name = hostile ? HOSTILE_NAME : "test";
  const report: LabReport = {
    command: "lab",
    stack: STACK,
    region: REGION,
    accountId: ACCOUNT,
    callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/lab-operator/lab-session`,
    backend: "file://.pulumi-state (local, default)",
    startedAt: at(0),
    finishedAt: at(905),
    exitCode: 0,
    verified: upFailed ? null : found,
    outputs,
    since: at(180),
    verify: upFailed
      ? null
      : {
          verified: found,
          engine: "s3",
          athena: null,
          trail: { name: "my-logs-trail", arn: trailArn, isLogging: true, bucket, prefix: null, latestDeliveryTime: at(560), latestDeliveryError: null },
          s3: found
            ? { bucket, found: true, key, eventId: record.eventID, eventTime: record.eventTime, foundAt: at(605), objectsScanned: 14, bytesScanned: 91_233, bytesDownloaded: 12_400, skipped: [] }
            : { bucket, found: false, key: null, eventId: null, eventTime: null, foundAt: null, objectsScanned: 41, bytesScanned: 402_114, bytesDownloaded: 51_920, skipped: [] },
          eventHistory: { found: true, eventId: record.eventID, eventTime: record.eventTime, username: hostile ? HOSTILE_NAME : "lab-session", foundAt: at(found ? 606 : 320) },
          event: found ? { ...record } : null,
        },
    posture: { controls: judgeControls(facts), facts: judgedFacts(facts), checkedAt: at(upFailed ? 268 : 617) },
    integrity: { status: "not-checked", reason: "no digest yet", result: null },
    rawObject: found ? `lab-runs/${STACK}/${key.slice(key.lastIndexOf("/") + 1)}` : null,
    rawObjectBytes: null,
    rawObjectSha256: null,
    instance: upFailed
      ? null
      : {
          atVerify: instanceView(instanceId, at(611), "running", { name, availabilityZone: "us-east-1a", launchTime: new Date(record.eventTime).toISOString() }),
          atCleanup: instanceView(instanceId, at(901), outcome === "cleanup-failed" ? "running" : "terminated", { name, availabilityZone: "us-east-1a", launchTime: new Date(record.eventTime).toISOString() }),
        },
    evidenceFile: `lab-runs/${STACK}/evidence.json`,
    timings: upFailed
      ? { preflight: phase(0, 8), "up-trail": phase(10, 95), "trail-wait": phase(95, 110), settle: phase(110, 170), "up-probe": phase(180, 262), posture: phase(262, 269), destroy: phase(270, 480) }
      : { preflight: phase(0, 8), "up-trail": phase(10, 95), "trail-wait": phase(95, 110), settle: phase(110, 170), "up-probe": phase(180, 262), verify: phase(262, 610), posture: phase(611, 618), destroy: phase(620, 900) },
    cleanup: {
      mode: "destroy",
      pendingOperationsCleared: [],
      destroyAttempts: 1,
      destroyed: true,
      stackRemoved: true,
      sweep: null,
      gaveUp: false,
      complete: true,
      leftovers: [],
      commands: [],
    },
    interrupted: null,
    error: null,
    warnings: hostile ? [`Leftover lab stacks in this backend: ${HOSTILE_NAME}`] : [],
  };
  if (found) {
    const raw = rawLogFile(report);
    report.rawObjectBytes = raw.length;
    report.rawObjectSha256 = createHash("sha256").update(raw).digest("hex");
  }
  if (outcome === "not-verified") report.exitCode = 1;
  if (upFailed) {
    report.finishedAt = at(482);
    report.exitCode = 3;
    report.error = { name: "UpFailedError", message: "pulumi up (probe) failed; the stack will be destroyed.\n  aws:ec2:Instance probe-instance creating failed: UnauthorizedOperation: You are not authorized to perform this operation.", exitCode: 3 };
  }
  if (outcome === "cleanup-failed") {
    // Destroy failed four times on the instance; the trail and buckets went, the instance did not.
    const terminate = `aws ec2 terminate-instances --region ${REGION} --instance-ids ${instanceId}`;
    report.exitCode = 4;
    report.cleanup = {
      ...report.cleanup!,
      destroyAttempts: 4,
      destroyed: false,
      stackRemoved: false,
      sweep: { removed: [], remaining: [] },
      complete: false,
      leftovers: [{ kind: "instance", id: instanceId, region: REGION, removeWith: terminate }],
      commands: [`npm run lab -- --cleanup ${STACK}`, `PULUMI_BACKEND_URL=file://.pulumi-state pulumi destroy --cwd . --stack ${STACK} --yes`, terminate],
    };
  }
  return report;
}
