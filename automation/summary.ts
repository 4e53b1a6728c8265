// The lab's result as text for stdout: a few lines a person reads after a long run.
import * as path from "node:path";
import { acceptedRisks, isAccepted } from "./report/accepted-risks";
import { REPORT_FILE, type LabReport } from "./evidence";
import { drillSummary } from "./drill/drill-report";

export function renderSummary(report: LabReport): string {
  const lines: string[] = [];
  const verb = report.command === "cleanup" ? "cleanup of" : "lab run";
  lines.push(
    `trail-lab ${verb} ${report.stack}${report.region ? ` in ${report.region}` : ""}${report.accountId ? ` (account ${report.accountId})` : ""}`,
  );
  if (report.interrupted) lines.push(`  interrupted by ${report.interrupted}`);
  // The message itself is printed once, on stderr (automation/cli.ts); the result says it failed.
  if (report.error) lines.push(`  failed (exit ${report.error.exitCode ?? "?"}): the error is printed on stderr`);
  const v = report.verify;
  if (v) {
    if (v.verified) {
      lines.push(
        `  verified: the trail recorded RunInstances in s3://${v.trail.bucket ?? "?"}/${v.s3.key ?? "?"} (eventID ${v.s3.eventId ?? "?"})`,
      );
      if (v.eventHistory)
        lines.push(`  Event History: ${v.eventHistory.found ? `found (eventID ${v.eventHistory.eventId ?? "?"})` : "not found"}`);
    } else {
      lines.push(
        `  NOT verified: ${v.s3.found ? "found in S3" : "not found in S3"} after scanning ${v.s3.objectsScanned} objects` +
          `${v.eventHistory ? `; ${v.eventHistory.found ? "found" : "not found"} in Event History` : ""}` +
          `${v.trail.latestDeliveryError ? `; latest delivery error: ${v.trail.latestDeliveryError}` : ""}`,
      );
    }
  }
  const d = report.dataEvents;
  if (d) {
    const found = d.putObject?.s3.key ? ` in s3://${d.putObject.s3.bucket}/${d.putObject.s3.key}` : "";
    lines.push(
      d.status === "verified"
        ? `  data events: the trail recorded PutObject and GetObject of s3://${d.bucket}/${d.key}${found} (eventCategory Data; Event History holds none)`
        : `  data events ${d.status === "not-verified" ? "NOT verified" : "not checked"}: ${d.reason ?? "?"}`,
    );
  }
  if (report.posture) {
    const risks = acceptedRisks(report);
    const controls = report.posture.controls;
    // A bucket-level control fails once per bucket; its id is named once.
    const ids = (acceptedToo: boolean) => [
      ...new Set(controls.filter((c) => c.status === "fail" && isAccepted(c, risks) === acceptedToo).map((c) => c.id)),
    ];
    const failing = ids(false);
    const kept = ids(true);
    const count = (test: (c: (typeof controls)[number]) => boolean) => controls.filter(test).length;
    lines.push(
      `  posture: ${count((c) => c.status === "pass")} pass, ${count((c) => c.status === "fail" && !isAccepted(c, risks))} fail` +
        `${failing.length > 0 ? ` (${failing.join(", ")})` : ""}, ` +
        `${count((c) => isAccepted(c, risks))} accepted${kept.length > 0 ? ` (${kept.join(", ")}: on purpose, see the report)` : ""}, ` +
        `${count((c) => c.status === "n/a")} n/a`,
    );
  }
  const c = report.cleanup;
  if (c?.mode === "kept") {
    lines.push("  kept (--keep): the resources are still there and cost money until you destroy them:");
    for (const command of c.commands) lines.push(`    ${command}`);
  } else if (c) {
    const swept = c.sweep ? `; sweep removed ${c.sweep.removed.length}, left ${c.sweep.remaining.length}` : "";
    const cleared = c.pendingOperationsCleared.length > 0 ? `; cleared ${c.pendingOperationsCleared.length} pending operation(s)` : "";
    lines.push(
      `  cleanup: ${c.complete ? "complete" : "INCOMPLETE"} (destroy ${c.destroyed ? "succeeded" : "did not finish"} after ${c.destroyAttempts} attempt(s)${cleared}${swept}${c.stackRemoved ? "; stack removed" : ""})`,
    );
    if (!c.complete) {
      // Saved by a release before leftRunning was recorded: none.
      for (const left of c.leftRunning ?? []) {
        lines.push(
          `  still running: ${left.command} (pid ${left.pid}), finishing what is in flight; it holds the stack's lock until it ends`,
        );
      }
      lines.push("  may still cost money:");
      for (const left of c.leftovers) lines.push(`    ${left.kind} ${left.id} (${left.region})${left.reason ? `: ${left.reason}` : ""}`);
      lines.push("  remove with:");
      for (const command of c.commands) lines.push(`    ${command}`);
    }
  }
  if (report.drill) lines.push(...drillSummary(report.drill));
  if (report.rawObject) lines.push(`  raw log object: ${report.rawObject}`);
  if (report.evidenceFile) lines.push(`  evidence: ${report.evidenceFile}`);
  if (report.evidenceFile && report.command === "lab") lines.push(`  report: ${path.join(path.dirname(report.evidenceFile), REPORT_FILE)}`);
  for (const warning of report.warnings) lines.push(`  warning: ${warning}`);
  lines.push(`  exit code ${report.exitCode ?? "?"}`);
  return `${lines.join("\n")}\n`;
}
