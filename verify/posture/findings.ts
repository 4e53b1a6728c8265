// Posture's controls as findings, the unit auditors exchange: each control's verdict, or
// "accepted" where the caller accepts a failure on purpose (the lab, for the two controls it does
// not pay for, says why and which setting turns them on). Verify itself accepts nothing: on any
// trail a failing control stays a failure.
import type { PostureControl, PostureReport, Severity } from "./types";

export type FindingStatus = "pass" | "fail" | "accepted" | "n/a";
export const FINDING_STATUSES: readonly FindingStatus[] = ["fail", "accepted", "pass", "n/a"];
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

/** Why a failing control is left failing on purpose, and the setting that would make it pass. */
export interface Acceptance {
  reason: string;
  /** The configuration key that turns the control on, e.g. trail-lab:kmsEncryption. */
  setting: string;
  /** The file that holds the setting, e.g. Pulumi.dev.yaml. */
  file: string;
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

export function postureFindings(report: PostureReport, accepted: ReadonlyMap<string, Acceptance> = new Map()): Finding[] {
  return report.controls.map((control) => {
    const acceptance = control.status === "fail" ? (accepted.get(control.id) ?? null) : null;
    return { control, status: acceptance ? "accepted" : control.status, accepted: acceptance };
  });
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

/** The CIS sections as Security Hub writes related requirements: "CIS AWS Foundations Benchmark v3.0.0/3.5". */
export function cisRequirements(control: PostureControl): string[] {
  const cis = (control.cis as PostureControl["cis"] | undefined) ?? { "v1.4.0": null, "v3.0.0": null };
  return (["v3.0.0", "v1.4.0"] as const).flatMap((v) => (cis[v] ? [`CIS AWS Foundations Benchmark ${v}/${cis[v]}`] : []));
}
