// Posture findings as OCSF Compliance Finding events (class_uid 2003), the form Amazon Security
// Lake and Prowler exchange, in OCSF 1.5.0: the newest schema version py-ocsf-models 0.10.0 (the
// models the tests validate every finding with) knows. One event per verdict: the control as
// `compliance.control` and as the finding's analytic (a Rule: its id and title), its framework
// requirements under `compliance` and, grouped by framework, under `unmapped`; the verdict's
// reason as `status_detail`, and as `status_code` the words Prowler uses (PASS, FAIL, MANUAL);
// the resource judged, by ARN and name, under `resources` with the evidence as its `data`; the fix
// under `remediation`. Enum values are OCSF's own: severity_id 2 Low .. 5 Critical;
// compliance.status_id 1 Pass, 2 Warning (not checked), 3 Fail; the finding's status_id 1 New, or
// 3 Suppressed for a failure accepted on purpose. OCSF 1.5.0 defines `risk_details` for Detection
// Findings only, so the risk sentence goes under `unmapped.risk_details`, where a schema puts what
// it does not map.
import type { Severity } from "../types";
import { acceptanceText, frameworkRequirements, type Finding, type FindingsContext } from "./findings";

export const OCSF_VERSION = "1.5.0";
const CLASS_UID = 2003;
const CATEGORY_UID = 2;
const ACTIVITY_CREATE = 1;
/** OCSF's analytic type_id 1: a rule. */
const ANALYTIC_RULE = 1;

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

/** The status codes Prowler's OCSF findings carry, for consumers that filter on them. */
const STATUS_CODE = { pass: "PASS", fail: "FAIL", "n/a": "MANUAL" } as const;

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
  status_code: "PASS" | "FAIL" | "MANUAL";
  status_detail: string;
  message: string;
  metadata: {
    version: string;
    event_code: string;
    product: { name: string; uid: string; vendor_name: string; version: string };
    profiles: string[];
  };
  cloud: { provider: "AWS"; region: string; account?: { uid: string; name: string; type_id: 10; type: "AWS Account" } };
  finding_info: {
    uid: string;
    title: string;
    desc: string;
    types: string[];
    created_time: number;
    analytic: { uid: string; name: string; type_id: 1; type: "Rule"; category: string };
  };
  compliance: { control: string; standards: string[]; requirements: string[]; status_id: number; status: string };
  remediation?: { desc: string; references?: string[] };
  resources: {
    uid: string;
    name?: string;
    type: string;
    region?: string;
    cloud_partition: string;
    labels?: string[];
    data: Record<string, unknown>;
  }[];
  unmapped: {
    /** Every framework the control maps to, with its requirements: { "CIS AWS Foundations Benchmark v3.0.0": ["3.1"], ... }. */
    compliance: Record<string, string[]>;
    risk_details: string | null;
    remediation_cli: string | null;
    remediation_pulumi: string | null;
  };
}

export function toOcsf(finding: Finding, context: FindingsContext): OcsfComplianceFinding {
  const c = finding.control;
  const time = Date.parse(context.time);
  const severity = SEVERITY[c.severity] ?? { id: 0, caption: "Unknown" };
  const frameworks = frameworkRequirements(c);
  const requirements = frameworks.map((f) => `${f.framework}/${f.requirement}`);
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
  const detail = c.statusDetail ?? `${c.id} ${verdict}.`;
  const grouped: Record<string, string[]> = {};
  for (const f of frameworks) (grouped[f.framework] ??= []).push(f.requirement);
  const references = c.remediationUrl ? [c.remediationUrl] : [];
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
      ? { status_id: 3 as const, status: "Suppressed" as const, status_detail: `${detail} ${acceptanceText(finding.accepted)}` }
      : { status_id: 1 as const, status: "New" as const, status_detail: detail }),
    status_code: STATUS_CODE[c.status],
    message: `${c.id} ${verdict}: ${c.title}`,
    metadata: {
      version: OCSF_VERSION,
      event_code: c.id,
      product: {
        name: context.product.name,
        uid: context.product.name,
        vendor_name: context.product.name,
        version: context.product.version,
      },
      profiles: ["cloud"],
    },
    cloud: {
      provider: "AWS",
      region: context.region,
      ...(context.account
        ? { account: { uid: context.account, name: context.account, type_id: 10 as const, type: "AWS Account" as const } }
        : {}),
    },
    finding_info: {
      uid: `${context.product.name}:${c.id}:${resource.arn}`,
      title: c.title,
      desc: `${c.id.startsWith("TrailLab.") ? "trail-lab control" : "Security Hub control"} ${c.id} on ${resource.arn}.`,
      types: ["Software and Configuration Checks/Industry and Regulatory Standards"],
      created_time: time,
      analytic: {
        uid: c.id,
        name: c.title,
        type_id: ANALYTIC_RULE,
        type: "Rule",
        category: c.id.startsWith("TrailLab.") ? "trail-lab control" : "Security Hub control",
      },
    },
    compliance: {
      control: c.id,
      standards: Object.keys(grouped),
      requirements,
      status_id: compliance.id,
      status: compliance.caption,
    },
    ...(c.fix && c.status !== "pass" ? { remediation: { desc: c.fix, ...(references.length > 0 ? { references } : {}) } } : {}),
    resources: [
      {
        uid: resource.arn,
        ...(resource.name ? { name: resource.name } : {}),
        type: resource.type,
        ...(resource.region ? { region: resource.region } : {}),
        cloud_partition: resource.arn.startsWith("arn:") ? resource.arn.split(":")[1] : "aws",
        ...(resource.role ? { labels: [`role:${resource.role}`] } : {}),
        data: c.evidence,
      },
    ],
    unmapped: {
      compliance: grouped,
      risk_details: c.risk ?? null,
      remediation_cli: c.remediation?.cli ?? null,
      remediation_pulumi: c.remediation?.pulumi ?? null,
    },
  };
}

export function ocsfFindings(findings: readonly Finding[], context: FindingsContext): OcsfComplianceFinding[] {
  return findings.map((f) => toOcsf(f, context));
}
