// The verify room's public entry: the automation driver and other callers import from here only.
export {
  verifyTrail,
  DEFAULT_EVENT_NAME,
  DEFAULT_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_GRACE_MS,
  ONE_PASS_LIMIT_MS,
} from "./event/verify-trail";
export { copyLogObject, type CopyLogObjectOptions } from "./s3/s3-objects";
export { createAwsClients, createAthenaClient, createS3ControlClient, type AwsClients, type ClientSettings } from "./clients";
export type { CheckTarget, LogsTarget, CheckClients } from "./target";
export { scanLogObject, compileCriteria, type MatchCriteria, type CompiledCriteria, type ScanOutcome } from "./event/match";
// What the benchmark measures on its own: the decoder, and the scanner verifyTrail drives.
export { gunzipLog } from "./decode";
export {
  LogScanner,
  DEFAULT_CONCURRENCY,
  LIST_CONCURRENCY,
  MAX_CONCURRENCY,
  type GetPath,
  type LogScannerOptions,
} from "./event/scan/log-scanner";
export {
  VerifyError,
  TrailNotFoundError,
  TrailNotLoggingError,
  TrailDeliveryError,
  VerifyAbortedError,
  DeadlineExceededError,
  ListingError,
  DecodeWorkerError,
  type ListingProblem,
} from "./errors";
export { TrailLabError, UsageError, AwsCallError } from "../common/errors";
export { ExitCode } from "../common/exit-codes";
export type {
  VerifyOptions,
  VerifyEvidence,
  TrailEvidence,
  S3Evidence,
  EventHistoryEvidence,
  SkippedObject,
  CloudTrailRecord,
} from "./event/types";
export { checkPosture, postureExitCode } from "./posture/check-posture";
export { logFileStamp } from "./s3/log-keys";
export type {
  PostureOptions,
  PostureReport,
  PostureControl,
  ControlStatus,
  Severity,
  TrailFacts,
  BucketFacts,
  BucketRole,
  AccountFacts,
  FrameworkRequirement,
  Remediation,
} from "./posture/types";
export { DEFAULT_RETENTION_DAYS } from "./posture/controls";
export {
  postureFindings,
  acceptanceOf,
  countFindings,
  cisRequirements,
  frameworkRequirements,
  acceptanceText,
  FINDING_STATUSES,
  SEVERITIES,
  type Finding,
  type FindingStatus,
  type FindingCounts,
  type Acceptance,
  type FindingsContext,
} from "./posture/exports/findings";
export { ocsfFindings, OCSF_VERSION, type OcsfComplianceFinding } from "./posture/exports/ocsf";
export { asffFindings, ASFF_SCHEMA_VERSION, type AsffFinding } from "./posture/exports/asff";
export { findingsCsv, CSV_COLUMNS } from "./posture/exports/csv";
export { validateIntegrity, NO_DIGEST_IN_RANGE, DEFAULT_DIGEST_WAIT_MS } from "./integrity/validate";
export { stringToSign, sha256Hex } from "./integrity/digest-file";
export { integritySummary } from "./integrity/summary";
export type {
  IntegrityOptions,
  IntegrityResult,
  IntegrityFailure,
  IntegrityUnchecked,
  IntegrityGap,
  IntegrityCount,
} from "./integrity/types";
