// The run's record: what was created, what verify found, how long each phase took and how
// cleanup went. Written to lab-runs/<stack>/evidence.json before destroy and again after, beside
// a copy of the matched raw log object (the bucket is about to be deleted).
import * as fs from "node:fs";
import * as path from "node:path";
import type { InstanceView } from "./aws/instance-view";
import type { LabSignal } from "./signals";
import type { CleanupReport } from "./cleanup/cleanup";
import type { LabDataEvents } from "./data-events";
import type { IntegrityResult, LabVerifyEvidence, PostureReport } from "./verifier/lab-verifier";
import type { DrillReport } from "./drill/drill-report";

export const RUNS_DIR = "lab-runs";
/** The HTML page rendered from the evidence, beside evidence.json (automation/report/). */
export const REPORT_FILE = "report.html";

export interface PhaseTiming {
  startedAt: string;
  endedAt: string | null;
  ms: number | null;
}

/**
 * Log file integrity. CloudTrail writes a digest about once an hour, so without --wait-digest
 * the run ends before one exists: "not-checked", never "valid".
 */
export interface LabIntegrity {
  status: "not-checked" | "valid" | "invalid";
  /** Why not checked or not valid ("no digest yet", "no digest in range: ...", ...); null when valid. */
  reason: string | null;
  /** verify's integrity result (as `npm run verify -- --integrity --json` prints it); null when not checked. */
  result: IntegrityResult | null;
}

export const INTEGRITY_NOT_CHECKED: LabIntegrity = { status: "not-checked", reason: "no digest yet", result: null };

export function labIntegrity(result: IntegrityResult): LabIntegrity {
  if (result.valid) return { status: "valid", reason: null, result };
  const first = result.failures[0];
  const reason =
    result.reason ??
    (first ? `${result.failures.length} invalid: ${first.kind} s3://${first.bucket}/${first.key} ${first.reason}` : "not valid");
  return { status: "invalid", reason, result };
}

/** The probe instance as EC2 described it (automation/aws/instance-view.ts); null where it was not read. */
export interface LabInstance {
  /** Read once verify has answered, while the instance runs. */
  atVerify: InstanceView | null;
  /** Read once destroy has finished: terminated, or still there when cleanup failed. */
  atCleanup: InstanceView | null;
}

export interface LabReport {
  command: "lab" | "cleanup";
  stack: string;
  region: string | null;
  accountId: string | null;
  callerArn: string | null;
  backend: string | null;
  startedAt: string;
  finishedAt: string | null;
  exitCode: number | null;
  verified: boolean | null;
  /** The stack's outputs as the engine returned them, kept whole; the run reads them through engine/stack-outputs.ts. */
  outputs: Record<string, unknown> | null;
  /** The time just before the probe's up: verify looks for records from then on. */
  since: string | null;
  verify: LabVerifyEvidence | null;
  /** The trail and bucket against the CloudTrail and S3 controls (`npm run verify -- --posture`); null when not checked. */
  posture: PostureReport | null;
  integrity: LabIntegrity;
  /** With trail-lab:dataEvents on: the canary object's PutObject and GetObject, found as data events (data-events.ts); null when off. */
  dataEvents: LabDataEvents | null;
  /** The copy of the matched raw .json.gz object. */
  rawObject: string | null;
  /** The copy's size in bytes: the object's size as S3 served it; null without a copy (and in evidence from before it was kept). */
  rawObjectBytes: number | null;
  /** SHA-256 (hex) of the copy as written, to compare with `sha256sum` of the file; null without a copy. */
  rawObjectSha256: string | null;
  /** EC2's description of the probe after verify and after destroy; null when no probe was read. */
  instance: LabInstance | null;
  evidenceFile: string | null;
  timings: Record<string, PhaseTiming>;
  cleanup: CleanupReport | null;
  /** The tamper drill (--drill): per technique its detonation, records, checks, alerts and revert; absent or null without --drill. */
  drill?: DrillReport | null;
  interrupted: LabSignal | null;
  error: { name: string; message: string; exitCode: number | null } | null;
  warnings: string[];
}

export function newReport(command: LabReport["command"], stack: string, now: Date): LabReport {
  return {
    command,
    stack,
    region: null,
    accountId: null,
    callerArn: null,
    backend: null,
    startedAt: now.toISOString(),
    finishedAt: null,
    exitCode: null,
    verified: null,
    outputs: null,
    since: null,
    verify: null,
    posture: null,
    integrity: { ...INTEGRITY_NOT_CHECKED },
    dataEvents: null,
    rawObject: null,
    rawObjectBytes: null,
    rawObjectSha256: null,
    instance: null,
    evidenceFile: null,
    timings: {},
    cleanup: null,
    interrupted: null,
    error: null,
    warnings: [],
  };
}

export function runDir(projectDir: string, stack: string): string {
  return path.join(projectDir, RUNS_DIR, stack);
}

export function evidencePath(projectDir: string, stack: string): string {
  return path.join(runDir(projectDir, stack), "evidence.json");
}

/**
 * Writes lab-runs/<stack>/evidence.json whole or not at all: a crash or a refusal mid-write leaves
 * no half record (nor its .tmp), and `report.evidenceFile` names only a file that was written.
 */
export function writeEvidence(projectDir: string, report: LabReport): string {
  const file = evidencePath(projectDir, report.stack);
  const before = report.evidenceFile;
  report.evidenceFile = file;
  try {
    const text = `${JSON.stringify(report, null, 2)}\n`;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, text);
    fs.renameSync(`${file}.tmp`, file);
    return file;
  } catch (error) {
    report.evidenceFile = before;
    if (fs.existsSync(`${file}.tmp`)) fs.rmSync(`${file}.tmp`);
    throw error;
  }
}
