// Posture findings as OCSF Compliance Finding events (class_uid 2003, schema 1.3.0), the form
// Amazon Security Lake and Prowler exchange: one event per control, with the control's Security
// Hub id and CIS requirements under `compliance`, the resource judged under `resources`, the fix
// under `remediation`, and the evidence as the resource's `data`. Enum values are OCSF's own:
// severity_id 2 Low .. 5 Critical; compliance.status_id 1 Pass, 2 Warning (not checked), 3 Fail;
// the finding's status_id 1 New, or 3 Suppressed for a failure accepted on purpose.
import { cisRequirements, type Finding, type FindingsContext } from "./findings";
import type { Severity } from "./types";

export const OCSF_VERSION = "1.3.0";
const CLASS_UID = 2003;
const CATEGORY_UID = 2;
const ACTIVITY_CREATE = 1;

const SEVERITY: Record<Severity, { id: number; caption: string }> = {
  low: { id: 2, caption: "Low" },
  medium: { id: 3, caption: "Medium" },
  high: { id: 4, caption: "High" },
  critical: { id: 5, caption: "Critical" },
};

const COMPLIANCE_STATUS = {
  pass: { id: 1, caption: "Pass" },
  "n/a": { id: 2, caption: "Warning" },
  fail: { id: 3, caption: "Fail" },
} as const;

export interface OcsfComplianceFinding {
  class_uid: 2003;
  class_name: "Compliance Finding";
  category_uid: 2;
  category_name: "Findings";
  activity_id: 1;
  activity_name: "Create";
  type_uid: 200301;
  type_name: "Compliance Finding: Create";
  /** Epoch milliseconds (OCSF timestamp_t). */
  time: number;
  severity_id: number;
  severity: string;
  status_id: 1 | 3;
  status: "New" | "Suppressed";
  status_detail?: string;
  message: string;
  metadata: { version: string; product: { name: string; vendor_name: string; version: string }; profiles: string[] };
  cloud: { provider: "AWS"; region: string; account?: { uid: string; type_id: 10; type: "AWS Account" } };
  finding_info: { uid: string; title: string; desc: string; types: string[]; created_time: number };
  compliance: { control: string; standards: string[]; requirements: string[]; status_id: number; status: string; status_detail?: string };
  remediation?: { desc: string; references: string[] };
  resources: { uid: string; type: string; region?: string; cloud_partition: string; data: Record<string, unknown> }[];
}

function standards(requirements: string[]): string[] {
  return [...new Set(requirements.map((r) => r.slice(0, r.lastIndexOf("/"))))];
}

export function toOcsf(finding: Finding, context: FindingsContext): OcsfComplianceFinding {
  const c = finding.control;
  const time = Date.parse(context.time);
  const severity = SEVERITY[c.severity] ?? { id: 0, caption: "Unknown" };
  const requirements = cisRequirements(c);
  const resource = c.resource;
  const compliance = COMPLIANCE_STATUS[c.status];
  const verdict =
    finding.status === "accepted"
      ? "fails, accepted"
      : finding.status === "n/a"
        ? "was not checked"
        : finding.status === "pass"
          ? "passes"
          : "fails";
  return {
    class_uid: CLASS_UID,
    class_name: "Compliance Finding",
    category_uid: CATEGORY_UID,
    category_name: "Findings",
    activity_id: ACTIVITY_CREATE,
    activity_name: "Create",
    type_uid: 200301,
    type_name: "Compliance Finding: Create",
    time,
    severity_id: severity.id,
    severity: severity.caption,
    ...(finding.accepted
      ? {
          status_id: 3 as const,
          status: "Suppressed" as const,
          status_detail: `Accepted: ${finding.accepted.reason} Turn on with ${finding.accepted.setting} in ${finding.accepted.file}.`,
        }
      : { status_id: 1 as const, status: "New" as const }),
    message: `${c.id} ${verdict}: ${c.title}`,
    metadata: {
      version: OCSF_VERSION,
      product: { name: context.product.name, vendor_name: context.product.name, version: context.product.version },
      profiles: ["cloud"],
    },
    cloud: {
      provider: "AWS",
      region: context.region,
      ...(context.account ? { account: { uid: context.account, type_id: 10 as const, type: "AWS Account" as const } } : {}),
    },
    finding_info: {
      uid: `${context.product.name}:${c.id}:${resource.arn}`,
      title: c.title,
      desc: `Security Hub control ${c.id} on ${resource.arn}.`,
      types: ["Software and Configuration Checks/Industry and Regulatory Standards"],
      created_time: time,
    },
    compliance: {
      control: c.id,
      standards: standards(requirements),
      requirements,
      status_id: compliance.id,
      status: compliance.caption,
      ...(c.status === "n/a" && c.fix ? { status_detail: c.fix } : {}),
    },
    ...(c.fix && c.status !== "pass" ? { remediation: { desc: c.fix, references: [c.remediationUrl] } } : {}),
    resources: [
      {
        uid: resource.arn,
        type: resource.type,
        ...(resource.region ? { region: resource.region } : {}),
        cloud_partition: resource.arn.startsWith("arn:") ? resource.arn.split(":")[1] : "aws",
        data: c.evidence,
      },
    ],
  };
}

export function ocsfFindings(findings: readonly Finding[], context: FindingsContext): OcsfComplianceFinding[] {
  return findings.map((f) => toOcsf(f, context));
}
