// The lab run's posture as findings: the two controls the lab leaves off on purpose are
// "accepted" as accepted-risks.ts decides, with the reason and the switch that turns them on.
import { postureFindings, type Finding, type FindingsContext } from "../../verify";
import { acceptedRisks } from "./accepted-risks";
import type { LabReport } from "../evidence";

export function labFindings(report: LabReport): Finding[] {
  return report.posture ? postureFindings(report.posture, acceptedRisks(report)) : [];
}

/** The context of the exports: when posture read the facts, in which account and region. */
export function labFindingsContext(report: LabReport, product: { name: string; version: string }): FindingsContext {
  return {
    time: report.posture?.checkedAt ?? report.timings.posture?.endedAt ?? report.finishedAt ?? report.startedAt,
    account: report.accountId,
    region: report.region ?? "unknown",
    product,
  };
}
