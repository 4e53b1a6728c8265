// Posture's verdicts beside Prowler's, control by control: for each control posture judged whose
// Security Hub id Prowler's FSBP table maps to checks, Prowler's findings of those checks on the
// same resource (the trail's ARN, the bucket's ARN; any for the account) folded into one verdict.
import type { PostureControl, PostureReport } from "../../../verify";
import { controlKey } from "../../support/posture-report";
import type { ProwlerFinding } from "./prowler";

export interface Side {
  /** pass, fail, or n/a: posture's status (an accepted failure is still fail, as Security Hub says). */
  posture: string;
  /** PASS, FAIL (any of its findings failed), or none: Prowler judged nothing there. */
  prowler: string;
  /** Prowler's status details on the resource, check by check. */
  said: string[];
}

/**
 * Whether a finding is on the control's resource: the same ARN; any finding for the account; for
 * CloudTrail.6 and .7, which Security Hub judges on the trail's bucket, Prowler's finding on the
 * trail whose bucket it is; and Prowler's finding for the trail's region when it found no trail to
 * name (`arn:aws:cloudtrail:<region>:<account>:trail`, "No CloudTrail trails enabled ...").
 */
function sameResource(report: PostureReport, c: PostureControl, f: ProwlerFinding): boolean {
  if (c.resource.type === "AWS::::Account") return true;
  if (f.resource === c.resource.arn) return true;
  const trail = report.facts?.trail?.arn;
  if (!c.id.startsWith("CloudTrail.") || !trail) return false;
  return f.resource === trail || f.resource === trail.slice(0, trail.lastIndexOf("/"));
}

/** The checks to run for a report: every check FSBP maps to a control the report holds. */
export function checksFor(report: PostureReport, fsbp: Map<string, string[]>): string[] {
  return [...new Set(report.controls.flatMap((c) => fsbp.get(c.id) ?? []))].sort();
}

export function sideBySide(report: PostureReport, fsbp: Map<string, string[]>, findings: ProwlerFinding[]): Record<string, Side> {
  const rows: Record<string, Side> = {};
  for (const c of report.controls) {
    const checks = fsbp.get(c.id) ?? [];
    if (checks.length === 0) continue;
    const theirs = findings.filter((f) => checks.includes(f.check) && sameResource(report, c, f));
    const prowler =
      theirs.length === 0
        ? "none"
        : theirs.some((f) => f.status === "FAIL")
          ? "FAIL"
          : theirs.every((f) => f.status === "PASS")
            ? "PASS"
            : "MANUAL";
    rows[controlKey(c)] = { posture: c.status, prowler, said: theirs.map((f) => `${f.check}: ${f.detail}`) };
  }
  return rows;
}
