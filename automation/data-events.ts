// The lab's data-event proof, with trail-lab:dataEvents on (the stack has a canary bucket): after
// the RunInstances proof, one small object is written and read back in the canary bucket under a
// key of the run's own, and verify must find both calls, PutObject and GetObject, in the trail's
// S3 logs as data events naming the object. Event History is not asked: it never holds data
// events. The record is filled as the steps go, so a failure or a signal keeps what was done.
import type { CanaryObject, CanaryRequest } from "./aws/canary-object";
import type { LabVerifier, LabVerifyEvidence, LabVerifyRequest } from "./verifier/lab-verifier";

export interface LabDataEvents {
  /** verified: both calls found as data events; not-verified: one was not found by the deadline; not-checked: see reason. */
  status: "verified" | "not-verified" | "not-checked";
  /** Why not verified or not checked; null when verified. */
  reason: string | null;
  bucket: string;
  key: string;
  /** arn:<partition>:s3:::<bucket>/<key>: what verify is asked for (its --resource). */
  objectArn: string;
  /** The lab's write and read as S3 answered them; null when they did not happen. */
  object: CanaryObject | null;
  /** verify's evidence for each call, as `npm run verify -- --event PutObject --resource <objectArn> --json` prints it; null until asked. */
  putObject: LabVerifyEvidence | null;
  getObject: LabVerifyEvidence | null;
}

/** The run's own key: objects of two runs never meet, and the key names the stack it came from. */
export function canaryKey(stack: string): string {
  return `trail-lab/${stack}.txt`;
}

/** The record before anything is done: not checked yet, the object named. */
export function dataEventsRecord(partition: string, bucket: string, stack: string): LabDataEvents {
  const key = canaryKey(stack);
  return {
    status: "not-checked",
    reason: "not tried yet",
    bucket,
    key,
    objectArn: `arn:${partition}:s3:::${bucket}/${key}`,
    object: null,
    putObject: null,
    getObject: null,
  };
}

export interface DataEventProofContext {
  stack: string;
  write: (request: CanaryRequest) => Promise<CanaryObject>;
  verifier: LabVerifier;
  /** verify's request for the trail (as the RunInstances proof made it), without the event, resource and since. */
  verify: Omit<LabVerifyRequest, "eventName" | "resource" | "since">;
  /** Subtracted from the write's time for verify's `since`, against clock skew. */
  clockSkewMs: number;
  log: (line: string) => void;
}

const CALLS = [
  ["PutObject", "putObject"],
  ["GetObject", "getObject"],
] as const;

/** verify found the call, and its record is a data event naming the object in resources[]. */
export function provesDataEvent(evidence: LabVerifyEvidence, objectArn: string): boolean {
  const event = evidence.event;
  const resources = Array.isArray(event?.resources) ? (event.resources as { type?: unknown; ARN?: unknown }[]) : [];
  return (
    evidence.verified && event?.eventCategory === "Data" && resources.some((r) => r?.type === "AWS::S3::Object" && r.ARN === objectArn)
  );
}

/** Writes and reads the canary object, then asks verify for each call; fills `record` as it goes. */
export async function proveDataEvents(context: DataEventProofContext, record: LabDataEvents): Promise<void> {
  const body = Buffer.from(`trail-lab data-event canary of stack ${context.stack}\n`);
  context.log(`data events: writing and reading s3://${record.bucket}/${record.key}, then looking for both calls in the trail's logs`);
  record.reason = "the canary object was not written";
  record.object = await context.write({ bucket: record.bucket, key: record.key, body, signal: context.verify.signal });
  const since = new Date(Date.parse(record.object.writtenAt) - context.clockSkewMs);
  const missing: string[] = [];
  for (const [eventName, field] of CALLS) {
    record.reason = `verify did not answer for ${eventName}`;
    const evidence = await context.verifier.verify({ ...context.verify, eventName, resource: record.objectArn, since });
    record[field] = evidence;
    if (!provesDataEvent(evidence, record.objectArn)) missing.push(eventName);
  }
  record.status = missing.length === 0 ? "verified" : "not-verified";
  record.reason =
    missing.length === 0
      ? null
      : `${missing.join(" and ")} of ${record.objectArn} not found by the deadline as a data event (eventCategory Data, the object's ARN in resources) in the trail's logs`;
}
