// The two controls the lab leaves failing on purpose, for cost: CloudTrail.2 (a KMS key) and
// CloudTrail.5 (CloudWatch Logs). A run accepts one only when its stack shows the switch off (the
// kmsKeyArn / logGroupName output present and null), and only in the lab's own record; a failure
// for any other reason, or of `npm run verify` on any trail, stays a failure. Nothing here loads
// verify/, so the lab's summary can say it without paying for that room.
import type { LabReport } from "../evidence";

export interface AcceptedRisk {
  reason: string;
  /** The configuration key and value that turn the control on. */
  setting: string;
  /** The file that holds the setting. */
  file: string;
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

/** The failures this run accepts, by control id. */
export function acceptedRisks(report: LabReport): Map<string, AcceptedRisk> {
  const accepted = new Map<string, AcceptedRisk>();
  if (report.command !== "lab" || !report.outputs) return accepted;
  for (const s of PAID_SWITCHES) {
    // Off means the stack exists and says so: the output is present, and null.
    if (s.output in report.outputs && report.outputs[s.output] === null) {
      accepted.set(s.control, { reason: s.reason, setting: `${s.setting}: "true"`, file: CONFIG_FILE });
    }
  }
  return accepted;
}
