// A lab run's evidence as the lab writes it (lab-runs/<stack>/evidence.json) after a verified run
// of the default stack: phase timings, verify's evidence with the matched RunInstances record, the
// posture of the default stack, integrity not checked, cleanup complete. `hostile` puts markup in
// fields a caller controls, to prove the report never runs or fetches it.
import type { LabReport } from "../../automation/evidence";
import type { PostureControl } from "../../verify";
import { FixtureFactory } from "./cloudtrail-fixtures";

export const HOSTILE_AGENT = `<script>document.title="pwned";fetch("http://127.0.0.1:9/x")</script><img src="http://127.0.0.1:9/y.png">`;

const control = (id: string, title: string, status: PostureControl["status"], evidence: Record<string, unknown>, fix: string | null = null): PostureControl => ({ id, title, status, evidence, fix });

export function labEvidence({ hostile = false } = {}): LabReport {
  const f = new FixtureFactory("123456789012", 77);
  const start = Date.parse("2026-11-25T21:15:00Z");
  const at = (s: number) => new Date(start + s * 1000).toISOString();
  const phase = (from: number, to: number) => ({ startedAt: at(from), endedAt: at(to), ms: (to - from) * 1000 });
  const instanceId = f.instanceId();
  const record = f.runInstances("us-east-1", new Date(start + 250_000), instanceId);
  if (hostile) record.userAgent = HOSTILE_AGENT;
  const bucket = "audit-logs-bucket-20261125211500000000000001";
  const key = f.logKey("us-east-1", new Date(start + 560_000));
  const trailArn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/my-logs-trail";
  return {
    command: "lab",
    stack: "lab-20261125-211500-3fa9",
    region: "us-east-1",
    accountId: "123456789012",
    callerArn: "arn:aws:iam::123456789012:user/lab",
    backend: "file://.pulumi-state",
    startedAt: at(0),
    finishedAt: at(900),
    exitCode: 0,
    verified: true,
    outputs: { bucketName: bucket, trailName: "my-logs-trail", trailArn, instanceId, region: "us-east-1", accountId: "123456789012" },
    since: at(180),
    verify: {
      verified: true,
      engine: "s3",
      athena: null,
      trail: { name: "my-logs-trail", arn: trailArn, isLogging: true, bucket, prefix: null, latestDeliveryTime: at(560), latestDeliveryError: null },
      s3: { bucket, found: true, key, eventId: record.eventID, eventTime: record.eventTime, objectsScanned: 14, bytesScanned: 91_233, bytesDownloaded: 12_400, skipped: [] },
      eventHistory: { found: true, eventId: record.eventID, eventTime: record.eventTime },
      event: { ...record },
    },
    posture: {
      controls: [
        control("CloudTrail.1", "CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events", "pass", {
          trail: trailArn,
          IsMultiRegionTrail: true,
          IsLogging: true,
          selectorGap: null,
        }),
        control("CloudTrail.2", "CloudTrail should have encryption at-rest enabled", "fail", { trail: trailArn, KmsKeyId: null }, "Encrypt the log files with a customer managed KMS key."),
        control("CloudTrail.5", "CloudTrail trails should be integrated with Amazon CloudWatch Logs", "fail", { trail: trailArn, CloudWatchLogsLogGroupArn: null }, "Deliver the trail to CloudWatch Logs as well."),
        control("S3.1", "S3 general purpose buckets should have block public access settings enabled", "n/a", { account: "123456789012", PublicAccessBlock: null }, "Check with aws s3control."),
        control("S3.5", "S3 general purpose buckets should require requests to use SSL", "pass", { bucket, denyStatement: { Sid: hostile ? "</pre><script>alert(1)</script>" : "DenyInsecureTransport" } }),
      ],
    },
    integrity: { status: "not-checked", reason: "no digest yet", result: null },
    rawObject: `lab-runs/lab-20261125-211500-3fa9/${key.slice(key.lastIndexOf("/") + 1)}`,
    evidenceFile: "lab-runs/lab-20261125-211500-3fa9/evidence.json",
    timings: {
      preflight: phase(0, 8),
      "up-trail": phase(10, 95),
      "trail-wait": phase(95, 110),
      settle: phase(110, 170),
      "up-probe": phase(180, 262),
      verify: phase(262, 610),
      destroy: phase(612, 900),
    },
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
    warnings: [],
  };
}
