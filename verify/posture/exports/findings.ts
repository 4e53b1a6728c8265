// Posture's controls as findings, the unit auditors exchange: each control's verdict, or
// "accepted" where a failure is accepted on purpose: by posture itself, where the control does not
// fit the resource (the access-log bucket does not log its own access), or by the caller (the lab,
// for the controls it does not pay for, says why and which setting turns them on). Verify accepts
// nothing else: on any trail any other failing control stays a failure.
import type { FrameworkRequirement, PostureControl, PostureReport, Severity } from "../types";

export type FindingStatus = "pass" | "fail" | "accepted" | "n/a";
export const FINDING_STATUSES: readonly FindingStatus[] = ["fail", "accepted", "pass", "n/a"];
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

/** Why a failing control is left failing on purpose, and the setting that would make it pass, if any. */
export interface Acceptance {
  reason: string;
  /** The configuration key that turns the control on, e.g. trail-lab:kmsEncryption; null when no setting does. */
  setting: string | null;
  /** The file that holds the setting, e.g. Pulumi.dev.yaml; null with no setting. */
  file: string | null;
}

export interface Finding {
  control: PostureControl;
  status: FindingStatus;
  accepted: Acceptance | null;
}

/** Where and by what the findings were made, for the exports. */
export interface FindingsContext {
  /** When posture read the facts (ISO-8601). */
  time: string;
  account: string | null;
  region: string;
  product: { name: string; version: string };
}

/**
 * Why a failing control is accepted, or null: posture's own acceptance first, then the caller's,
 * by `<id>@<bucket role>` for one kind of bucket (S3.9@athena-results) or by id for every resource.
 */
export function acceptanceOf(control: PostureControl, accepted: ReadonlyMap<string, Acceptance>): Acceptance | null {
  if (control.status !== "fail") return null;
  if (control.accepted) return { reason: control.accepted.reason, setting: null, file: null };
  const role = (control.resource as PostureControl["resource"] | undefined)?.role;
  return (role ? accepted.get(`${control.id}@${role}`) : undefined) ?? accepted.get(control.id) ?? null;
}

/** Each control as a finding; `accepted` holds the caller's acceptances (acceptanceOf). */
export function postureFindings(report: PostureReport, accepted: ReadonlyMap<string, Acceptance> = new Map()): Finding[] {
  return report.controls.map((control) => {
    const acceptance = acceptanceOf(control, accepted);
    return { control, status: acceptance ? "accepted" : control.status, accepted: acceptance };
  });
}

/** "Accepted: <why>. Turn on with <setting> in <file>.", for the exports. */
export function acceptanceText(acceptance: Acceptance): string {
  const setting = acceptance.setting ? ` Turn on with ${acceptance.setting}${acceptance.file ? ` in ${acceptance.file}` : ""}.` : "";
  return `Accepted: ${acceptance.reason}${setting}`;
}

export interface FindingCounts {
  byStatus: Record<FindingStatus, number>;
  /** Per severity, per status; a control without a severity (evidence from before severities) is not counted here. */
  bySeverity: Record<Severity, Record<FindingStatus, number>>;
}

export function countFindings(findings: readonly Finding[]): FindingCounts {
  const none = (): Record<FindingStatus, number> => ({ fail: 0, accepted: 0, pass: 0, "n/a": 0 });
  const counts: FindingCounts = { byStatus: none(), bySeverity: { critical: none(), high: none(), medium: none(), low: none() } };
  for (const f of findings) {
    counts.byStatus[f.status] += 1;
    const severity = f.control.severity as Severity | undefined;
    if (severity && severity in counts.bySeverity) counts.bySeverity[severity][f.status] += 1;
  }
  return counts;
}

/** Every framework requirement of the control; from its CIS sections for evidence written before posture listed them. */
export function frameworkRequirements(control: PostureControl): FrameworkRequirement[] {
  if (Array.isArray(control.frameworks)) return control.frameworks;
  const cis = (control.cis as PostureControl["cis"] | undefined) ?? { "v1.4.0": null, "v3.0.0": null };
  return (["v3.0.0", "v1.4.0"] as const).flatMap((v) =>
    cis[v] ? [{ framework: `CIS AWS Foundations Benchmark ${v}`, requirement: cis[v] }] : [],
  );
}

/** The CIS sections as Security Hub writes related requirements: "CIS AWS Foundations Benchmark v3.0.0/3.5". */
export function cisRequirements(control: PostureControl): string[] {
  const cis = (control.cis as PostureControl["cis"] | undefined) ?? { "v1.4.0": null, "v3.0.0": null };
  return (["v3.0.0", "v1.4.0"] as const).flatMap((v) => (cis[v] ? [`CIS AWS Foundations Benchmark ${v}/${cis[v]}`] : []));
}
