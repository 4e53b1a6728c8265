// evidence.json against the LabReport type, before anything renders it: `npm run report` reads a
// file that may be old, foreign or tampered with, so every field the page reads is checked for its
// type and, where the type is a set of words (a control's status, cleanup's mode), for its word.
// Fields added after the first lab runs are optional, so evidence of any release still renders.
import {
  allOf,
  anything,
  arrayOf,
  boolean,
  instant,
  matching,
  nullable,
  number,
  object,
  oneOf,
  optional,
  recordOf,
  string,
  type Shape,
} from "./shape";

const text = nullable(string);

const trail = object({
  name: string,
  arn: text,
  isLogging: nullable(boolean),
  bucket: string,
  prefix: text,
  latestDeliveryTime: text,
  latestDeliveryError: text,
});

const s3 = object({
  bucket: string,
  found: boolean,
  key: text,
  eventId: text,
  eventTime: text,
  foundAt: optional(nullable(instant)),
  objectsScanned: number,
  bytesScanned: number,
  bytesDownloaded: number,
  skipped: arrayOf(object({ key: string, reason: string })),
});

const eventHistory = object({
  found: boolean,
  eventId: text,
  eventTime: text,
  username: optional(text),
  foundAt: optional(nullable(instant)),
});

const verify = object({
  verified: boolean,
  trail,
  s3,
  eventHistory: nullable(eventHistory),
  eventCategory: optional(oneOf("Management", "Data")),
  event: nullable(recordOf(anything)),
  search: optional(oneOf("s3", "athena")),
  /** What `search` was called in evidence written before the rename; read, never written. */
  engine: optional(oneOf("s3", "athena")),
  athena: optional(nullable(recordOf(anything))),
});

const control = object({
  id: string,
  title: string,
  status: oneOf("pass", "fail", "n/a"),
  evidence: recordOf(anything),
  fix: text,
  severity: optional(oneOf("critical", "high", "medium", "low")),
  cis: optional(object({ "v1.4.0": text, "v3.0.0": text })),
  resource: optional(
    object({
      type: string,
      arn: string,
      region: text,
      name: optional(string),
      role: optional(oneOf("trail", "access-log", "athena-results", "named")),
    }),
  ),
  // null for trail-lab's own controls, which have no Security Hub page.
  remediationUrl: optional(
    nullable(
      matching(
        /^https:\/\/docs\.aws\.amazon\.com\/console\/securityhub\/[A-Za-z0-9]+\.\d+\/remediation$/,
        "a Security Hub remediation URL",
      ),
    ),
  ),
  statusDetail: optional(string),
  risk: optional(string),
  remediation: optional(object({ cli: string, pulumi: string })),
  frameworks: optional(arrayOf(object({ framework: string, requirement: string }))),
  accepted: optional(nullable(object({ reason: string }))),
});

const flag = nullable(boolean);

const trailFacts = object({
  name: string,
  arn: string,
  homeRegion: text,
  isMultiRegionTrail: boolean,
  isOrganizationTrail: boolean,
  includeGlobalServiceEvents: flag,
  logFileValidationEnabled: flag,
  kmsKeyId: text,
  cloudWatchLogsLogGroupArn: text,
  s3BucketName: string,
  s3KeyPrefix: text,
  isLogging: boolean,
  latestDeliveryTime: text,
  latestDeliveryError: text,
  eventSelectors: nullable(arrayOf(recordOf(anything))),
  advancedEventSelectors: nullable(arrayOf(recordOf(anything))),
  managementEvents: object({ read: boolean, write: boolean, gap: text }),
});

const bucketFacts = object({
  name: string,
  arn: string,
  region: text,
  publicAccessBlock: nullable(
    object({ BlockPublicAcls: flag, IgnorePublicAcls: flag, BlockPublicPolicy: flag, RestrictPublicBuckets: flag }),
  ),
  encryption: nullable(arrayOf(object({ SSEAlgorithm: text, KMSMasterKeyID: text, BucketKeyEnabled: flag }))),
  ownership: text,
  versioning: text,
  lifecycle: nullable(
    arrayOf(
      object({
        id: text,
        status: text,
        expirationDays: nullable(number),
        noncurrentDays: nullable(number),
        prefix: optional(text),
        expirationDate: optional(text),
      }),
    ),
  ),
  policy: text,
  policyIsPublic: flag,
  logging: nullable(object({ targetBucket: string, targetPrefix: string })),
  mfaDelete: optional(text),
  grants: optional(arrayOf(object({ grantee: string, type: text, permission: text }))),
});

const bucketRole = oneOf("trail", "access-log", "athena-results", "named");

const posture = object({
  controls: arrayOf(control),
  facts: optional(
    object({
      trail: trailFacts,
      bucket: bucketFacts,
      buckets: optional(arrayOf(allOf(bucketFacts, object({ role: bucketRole })))),
      unreadBuckets: optional(arrayOf(object({ name: string, role: bucketRole, reason: string }))),
      account: optional(object({ id: text, publicAccessBlock: nullable(recordOf(flag)), unread: text })),
    }),
  ),
  checkedAt: optional(instant),
});

const instance = object({
  instanceId: string,
  readAt: instant,
  found: boolean,
  state: text,
  instanceType: text,
  name: text,
  imageId: text,
  subnetId: text,
  vpcId: text,
  availabilityZone: text,
  publicIpAddress: text,
  privateIpAddress: text,
  httpTokens: text,
  launchTime: text,
});

const integrityResult = object({
  valid: boolean,
  covered: nullable(object({ from: string, to: string })),
  digests: object({ valid: number, total: number }),
  logs: object({ valid: number, total: number }),
  failures: arrayOf(object({ kind: string, key: string, reason: string })),
  gaps: arrayOf(object({ region: string, from: text, to: text, reason: string })),
});

const integrity = object({
  status: oneOf("not-checked", "valid", "invalid"),
  reason: text,
  result: nullable(integrityResult),
});

const dataEvents = object({
  status: oneOf("verified", "not-verified", "not-checked"),
  reason: text,
  bucket: string,
  key: string,
  objectArn: string,
  object: nullable(object({ bucket: string, key: string, bytes: number, sha256: string, writtenAt: instant, readAt: instant })),
  putObject: nullable(verify),
  getObject: nullable(verify),
});

const cleanup = object({
  mode: oneOf("destroy", "kept"),
  complete: boolean,
  destroyed: boolean,
  destroyAttempts: number,
  leftovers: arrayOf(object({ kind: string, id: string, region: string })),
  commands: arrayOf(string),
  leftRunning: optional(arrayOf(object({ command: string, pid: number, output: string }))),
});

const proofStatus = oneOf("proven", "missing", "not-checked", "not-expected");
const recordProof = object({
  status: proofStatus,
  eventId: text,
  eventTime: text,
  foundAt: text,
  key: text,
  deliveredAt: text,
  reason: text,
});
const drillTechnique = object({
  name: string,
  changes: string,
  revertedBy: string,
  status: oneOf("proven", "not-proven", "skipped", "interrupted", "failed", "not-run"),
  reason: text,
  detonation: object({ call: string, event: string, at: nullable(instant), requestId: text, error: text }),
  recorded: object({ eventHistory: recordProof, s3: recordProof }),
  seen: arrayOf(
    object({
      check: oneOf("status", "posture", "integrity"),
      what: string,
      expected: string,
      observed: text,
      status: proofStatus,
      at: text,
      reason: text,
    }),
  ),
  alerts: arrayOf(
    object({
      via: oneOf("eventbridge", "alarm"),
      name: string,
      status: proofStatus,
      at: text,
      receivedAt: text,
      messageId: text,
      eventId: text,
      reason: text,
    }),
  ),
  reverted: object({
    status: oneOf("reverted", "failed", "not-needed", "left-to-destroy"),
    at: nullable(instant),
    attempts: number,
    requestId: text,
    proof: text,
    command: text,
    reason: text,
  }),
  latency: object({ eventHistoryMs: nullable(number), s3Ms: nullable(number), alertMs: nullable(number) }),
});
/** The tamper drill's record (automation/drill/drill-report.ts), with --drill only. */
const drill = object({
  userAgent: string,
  startedAt: instant,
  endedAt: nullable(instant),
  techniques: arrayOf(drillTechnique),
  unreverted: arrayOf(object({ technique: string, what: string, command: string, reason: string })),
  verdict: oneOf("proven", "not-proven", "incomplete"),
});

const timing = object({ startedAt: instant, endedAt: nullable(instant), ms: nullable(number) });

export const LAB_REPORT: Shape = object({
  command: oneOf("lab", "cleanup"),
  stack: string,
  region: text,
  accountId: text,
  callerArn: text,
  startedAt: instant,
  finishedAt: nullable(instant),
  exitCode: nullable(number),
  verified: nullable(boolean),
  outputs: nullable(recordOf(anything)),
  since: optional(nullable(instant)),
  verify: nullable(verify),
  posture: optional(nullable(posture)),
  integrity: optional(integrity),
  dataEvents: optional(nullable(dataEvents)),
  rawObject: text,
  rawObjectBytes: optional(nullable(number)),
  rawObjectSha256: optional(nullable(matching(/^[0-9a-f]{64}$/, "a SHA-256 in hex"))),
  instance: optional(nullable(object({ atVerify: nullable(instance), atCleanup: nullable(instance) }))),
  evidenceFile: optional(text),
  timings: recordOf(timing),
  cleanup: nullable(cleanup),
  drill: optional(nullable(drill)),
  interrupted: nullable(string),
  error: nullable(object({ name: string, message: string, exitCode: nullable(number) })),
  warnings: arrayOf(string),
});

/** The first field of `value` that does not fit a LabReport, or null when it fits. */
export function evidenceProblem(value: unknown): string | null {
  return LAB_REPORT(value, "");
}
