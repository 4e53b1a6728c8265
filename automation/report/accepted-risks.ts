// The controls the lab leaves failing on purpose, with why: CloudTrail.2 (a KMS key) and
// CloudTrail.5 (CloudWatch Logs) for cost, accepted only when the run's stack shows the switch off
// (the kmsKeyArn / logGroupName output present and null); S3.20 (MFA delete), which only the root
// user with its MFA device can turn on; S3.22 and S3.23 (object-level data events on every
// bucket), which the lab records on a canary bucket at most; and S3.9 on the Athena results
// bucket. Only in the lab's own record: a failure for any other reason, or of `npm run verify` on
// any trail, stays a failure. A key is a control id, or `<id>@<bucket role>` for one kind of
// bucket. Nothing here loads verify/, so the lab's summary can say it without paying for that room.
import type { LabReport } from "../evidence";

export interface AcceptedRisk {
  reason: string;
  /** The configuration key and value that turn the control on; null when no setting does. */
  setting: string | null;
  /** The file that holds the setting; null with no setting. */
  file: string | null;
}

const CONFIG_FILE = "Pulumi.dev.yaml";

const PAID_SWITCHES: { control: string; output: string; setting: string; reason: string }[] = [
  {
    control: "CloudTrail.2",
    output: "kmsKeyArn",
    setting: "trail-lab:kmsEncryption",
    reason:
      "A customer managed KMS key costs USD 1 a month and, once scheduled for deletion, waits 7 days, so every lab run would leave one behind for a week. " +
      "The log files are still encrypted at rest, with SSE-S3.",
  },
  {
    control: "CloudTrail.5",
    output: "logGroupName",
    setting: "trail-lab:cloudWatchLogs",
    reason: "CloudWatch Logs ingestion is billed per GB, and the lab proves delivery through S3 already.",
  },
];

/** Accepted in every lab run, whatever its config: no setting turns them on. */
const ALWAYS: Record<string, string> = {
  "S3.20":
    "Only the root user, with its MFA device, can turn on MFA delete (no role, and so neither Pulumi nor the lab, can); " +
    "the lab's buckets live for the minutes of a run, versioned, and are destroyed with it.",
  "S3.22":
    "Object-level data events on every bucket are billed per 100,000 events delivered; the lab records them at most on its own canary bucket " +
    "(trail-lab:dataEvents), never on its log buckets (TrailLab.DataEventLoop).",
  "S3.23":
    "Object-level data events on every bucket are billed per 100,000 events delivered; the lab records them at most on its own canary bucket " +
    "(trail-lab:dataEvents), never on its log buckets (TrailLab.DataEventLoop).",
  "S3.9@athena-results":
    "The Athena results bucket holds the lab's own query results for 7 days, written and read by Athena for this run; " +
    "access logs of it would be one more bucket to pay for and empty.",
};

/** The failures this run accepts, by control id (or `<id>@<bucket role>`). */
export function acceptedRisks(report: LabReport): Map<string, AcceptedRisk> {
  const accepted = new Map<string, AcceptedRisk>();
  if (report.command !== "lab" || !report.outputs) return accepted;
  for (const s of PAID_SWITCHES) {
    // Off means the stack exists and says so: the output is present, and null.
    if (s.output in report.outputs && report.outputs[s.output] === null) {
      accepted.set(s.control, { reason: s.reason, setting: `${s.setting}: "true"`, file: CONFIG_FILE });
    }
  }
  for (const [key, reason] of Object.entries(ALWAYS)) accepted.set(key, { reason, setting: null, file: null });
  return accepted;
}

/** Whether this failing control is accepted: by posture itself, or by the run (as verify's acceptanceOf decides). */
export function isAccepted(
  control: { id: string; status: string; accepted?: { reason: string } | null; resource?: { role?: string } },
  risks: ReadonlyMap<string, AcceptedRisk>,
): boolean {
  if (control.status !== "fail") return false;
  const role = control.resource?.role;
  return !!control.accepted || (!!role && risks.has(`${control.id}@${role}`)) || risks.has(control.id);
}
