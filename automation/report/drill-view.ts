// The tamper drill's view (--drill): a row a technique with when it was detonated, its records
// (Event History's eventID, the S3 log object), the alerts that reached the queue and through
// what, the checks that saw it while it was in effect, and when it was put back and how that was
// proven; then what is still changed, with the command that puts it right. Empty without a drill.
import type { LabReport } from "../evidence";
import type { AlertProof, ProofStatus, RecordProof, SeenProof, TechniqueReport } from "../drill/drill-report";
import { attr, badge, code, durationText, escapeHtml, instantText, section, type BadgeKind } from "./markup";

const PROOF: Record<ProofStatus, [string, BadgeKind]> = {
  proven: ["proven", "ok"],
  missing: ["missing", "bad"],
  "not-checked": ["not checked", "none"],
  "not-expected": ["not expected", "none"],
};

function proofBadge(status: ProofStatus): string {
  const [text, kind] = PROOF[status] ?? [String(status), "none"];
  return badge(text, kind);
}

const why = (reason: string | null) => (reason ? `<br><span class="note">${escapeHtml(reason)}</span>` : "");

function recordCell(eh: RecordProof, s3: RecordProof, latency: TechniqueReport["latency"]): string {
  const history = `Event History ${proofBadge(eh.status)} ${code(eh.eventId)}${latency.eventHistoryMs !== null ? ` after ${durationText(latency.eventHistoryMs)}` : ""}${why(eh.reason)}`;
  const logs = `S3 ${proofBadge(s3.status)} ${code(s3.key)}${latency.s3Ms !== null ? ` delivered after ${durationText(latency.s3Ms)}` : ""}${why(s3.reason)}`;
  return `${history}<br>${logs}`;
}

function alertCell(alerts: AlertProof[]): string {
  return alerts
    .map(
      (a) =>
        `${a.via === "alarm" ? "CloudWatch alarm" : "EventBridge rule"} ${code(a.name)} ${proofBadge(a.status)}` +
        `${a.at ? ` at ${instantText(a.at)} (SNS → SQS)` : ""}${why(a.reason)}`,
    )
    .join("<br>");
}

function seenCell(seen: SeenProof[]): string {
  return seen
    .map(
      (s) =>
        `${escapeHtml(s.check)} ${code(s.what)} ${proofBadge(s.status)}${s.observed ? ` ${escapeHtml(s.observed)}` : ""}${why(s.reason)}`,
    )
    .join("<br>");
}

function revertCell(t: TechniqueReport): string {
  const r = t.reverted;
  const kind: BadgeKind = r.status === "reverted" ? "ok" : r.status === "failed" ? "bad" : "none";
  return (
    `${badge(r.status, kind)}${r.at ? ` at ${instantText(r.at)}` : ""}${r.attempts > 1 ? ` (${r.attempts} attempts)` : ""}` +
    `${r.proof ? `<br>${escapeHtml(r.proof)}` : ""}${r.command ? `<br>${code(r.command)}` : ""}${why(r.reason)}`
  );
}

function row(t: TechniqueReport): string {
  const kind: BadgeKind = t.status === "proven" ? "ok" : t.status === "not-proven" || t.status === "failed" ? "bad" : "warn";
  const cells = [
    `<strong>${escapeHtml(t.name)}</strong> ${badge(t.status, kind)}<br>${escapeHtml(t.changes)}${why(t.reason)}`,
    `${code(t.detonation.call)}${t.detonation.at ? ` at ${instantText(t.detonation.at)}` : ""}<br>request ${code(t.detonation.requestId)}`,
    recordCell(t.recorded.eventHistory, t.recorded.s3, t.latency),
    alertCell(t.alerts) || "—",
    seenCell(t.seen) || "—",
    revertCell(t),
  ];
  return `<tr ${attr("data-technique", t.name)}>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
}

export function drillView(report: LabReport): string {
  const drill = report.drill;
  if (!drill) return "";
  const verdictKind: BadgeKind = drill.verdict === "proven" ? "ok" : drill.verdict === "not-proven" ? "bad" : "warn";
  const head = `<tr><th>technique</th><th>detonation</th><th>recorded</th><th>alerted</th><th>seen while in effect</th><th>put back</th></tr>`;
  const left = drill.unreverted.length
    ? `<p>${badge("STILL CHANGED", "bad")}</p><ul>${drill.unreverted
        .map(
          (u) =>
            `<li>${escapeHtml(u.technique)}: ${escapeHtml(u.what)} (${escapeHtml(u.reason)}); put it right with ${code(u.command)}</li>`,
        )
        .join("")}</ul>`
    : "";
  return section(
    "drill",
    "Tamper drill",
    `Every call carried the user agent ${code(drill.userAgent)}; records from LookupEvents and the trail's S3 logs, alerts from the detections' SQS queue.`,
    `<p>${badge(drill.verdict, verdictKind, "drill-verdict")} from ${instantText(drill.startedAt)} to ${instantText(drill.endedAt)}</p>` +
      `<table class="drill"><thead>${head}</thead><tbody>${drill.techniques.map(row).join("")}</tbody></table>${left}`,
  );
}
