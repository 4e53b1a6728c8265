// The evidence of one lab run as a single self-contained HTML page (lab-runs/<stack>/report.html):
// the verdict, the timeline as a picture and a table, the five views of the proof, the findings,
// integrity and cleanup. Inline CSS and SVG, no script, font, image or stylesheet link, and a
// Content-Security-Policy that forbids fetching anything, so it opens the same offline, attached to
// a ticket, years later. Every value from the evidence is escaped (markup.ts): log records carry
// caller-controlled strings (user agents, request fields), and the file may have been tampered with.
import type { Provenance } from "../../common/provenance";
import type { RawObjectCheck } from "./raw-object";
import { ExitCode } from "../../common/exit-codes";
import { countFindings } from "../../verify";
import type { LabReport } from "../evidence";
import { labFindings } from "./findings";
import { countsLine, findingsSection } from "./findings-view";
import { badge, code, definitions, durationText, escapeHtml, instantText, offsetText, orDash, section } from "./markup";
import { STYLE } from "./style";
import { phaseSpans, timelineMarks } from "./timeline";
import { timelineSvg } from "./timeline-svg";
import { bucketView, eventHistoryView, instanceView, logFileView, rawObjectAlarm, trailView } from "./views";
import { dataEventsView } from "./data-events-view";
import { drillView } from "./drill-view";

export { escapeHtml, attr } from "./markup";

/** What the page says of itself: which trail-lab rendered it, and the hash of the evidence it rendered. */
export interface PageFacts {
  provenance: Provenance | null;
  /** SHA-256 (hex) of evidence.json as written on disk; null when the page was rendered from memory only. */
  evidenceSha256: string | null;
  /** The kept raw log object hashed again as the page was rendered; absent: not checked. */
  rawObject?: RawObjectCheck;
}

const EXIT_MEANING: Record<number, string> = {
  [ExitCode.Ok]: "verified, and cleanup completed",
  [ExitCode.CheckFailed]: "checked, and the answer is no",
  [ExitCode.Usage]: "bad usage or a failed preflight",
  [ExitCode.AwsError]: "AWS refused or failed a call, or up failed",
  [ExitCode.CleanupIncomplete]: "cleanup incomplete: something may still cost money",
  [ExitCode.Interrupted]: "interrupted, and cleanup completed",
};

function verdictBadge(report: LabReport): string {
  if (report.verify?.verified === true) return badge("VERIFIED", "ok", "verdict");
  if (report.verify) return badge("NOT VERIFIED", "bad", "verdict");
  return report.command === "cleanup" ? badge("CLEANUP", "none", "verdict") : badge("NOT VERIFIED: verify did not run", "bad", "verdict");
}

function cleanupBadge(report: LabReport): string {
  const c = report.cleanup;
  if (!c) return badge("cleanup not run", "none");
  if (c.mode === "kept") return badge("KEPT: still costs money", "warn");
  return c.complete ? badge("cleanup complete", "ok") : badge("CLEANUP INCOMPLETE", "bad");
}

function producedBy(page: PageFacts): string {
  const p = page.provenance;
  const tool = p
    ? `${escapeHtml(p.tool)} ${escapeHtml(p.version)}${p.commit ? ` (commit ${code(p.commit)}${p.dirty ? ", with local changes" : ""})` : " (no git commit known)"}`
    : "—";
  return `rendered by ${tool} · evidence.json SHA-256 ${page.evidenceSha256 ? code(page.evidenceSha256) : "— (rendered from memory, not from the file)"}`;
}

function head(report: LabReport, page: PageFacts): string {
  const counts = report.posture ? countsLine(countFindings(labFindings(report))) : "not checked";
  const exit = report.exitCode === null ? "—" : `${report.exitCode} (${escapeHtml(EXIT_MEANING[report.exitCode] ?? "unknown")})`;
  return (
    `<div class="head"><h1>trail-lab evidence report ${verdictBadge(report)} ${cleanupBadge(report)}</h1>` +
    `<p class="meta">stack ${code(report.stack)} · region ${orDash(report.region)} · account ${orDash(report.accountId)} · caller ${code(report.callerArn)}</p>` +
    `<p class="meta">started ${instantText(report.startedAt)} · finished ${instantText(report.finishedAt)} · exit code ${exit} · findings: ${counts}</p>` +
    `<p class="meta">${producedBy(page)}</p>${rawObjectAlarm(page.rawObject)}</div>`
  );
}

function timelineSection(report: LabReport): string {
  const start = report.startedAt;
  const rows = [
    ...phaseSpans(report).map((p) => ({
      at: p.startedAt,
      html:
        `<tr><td>${escapeHtml(p.label)}</td><td class="when">${instantText(p.startedAt)}</td><td class="when">${instantText(p.endedAt)}</td><td class="when">${escapeHtml(offsetText(start, p.startedAt))}</td>` +
        `<td>${escapeHtml(durationText(p.ms))}${p.failed ? ` ${badge(`failed: ${p.failed}`, "bad")}` : p.name.startsWith("up-") && p.endedAt ? "; the end is when Pulumi up finished" : ""}</td></tr>`,
    })),
    ...timelineMarks(report).map((m) => ({
      at: m.at,
      html: `<tr class="mark-row"><td><strong>${escapeHtml(m.label)}</strong></td><td class="when">${instantText(m.at)}</td><td class="when">—</td><td class="when">${escapeHtml(offsetText(start, m.at))}</td><td>${escapeHtml(m.source)}</td></tr>`,
    })),
  ]
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
    .map((r) => r.html)
    .join("");
  return section(
    "timeline",
    "Timeline (UTC)",
    "Phases as the lab's clock saw them; the moments as AWS and verify recorded them.",
    `<div class="figure">${timelineSvg(report)}</div>` +
      `<table class="steps"><thead><tr><th>Step</th><th>From / at</th><th>To</th><th>Since start</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

function verificationSection(report: LabReport): string {
  const v = report.verify;
  if (!v) return section("verification", "Verification", "", `<p>${badge("not run", "none")} ${orDash(report.error?.message)}</p>`);
  const found = (yes: boolean) => (yes ? badge("found", "ok") : badge("not found", "bad"));
  return section(
    "verification",
    "Verification",
    "",
    definitions([
      ["Verdict", v.verified ? badge("VERIFIED", "ok") : badge("NOT VERIFIED", "bad")],
      ["Event ID", code(v.s3.eventId ?? v.eventHistory?.eventId)],
      ["In the S3 log files", `${found(v.s3.found)} ${v.s3.key ? code(`s3://${v.s3.bucket}/${v.s3.key}`) : ""}`],
      ["In Event History", v.eventHistory ? found(v.eventHistory.found) : "not consulted"],
      ["Searched by", v.search === "athena" ? "Athena" : "this process (S3 ListObjectsV2 and GetObject)"],
      [
        "Scanned",
        `${escapeHtml(v.s3.objectsScanned)} log files, ${escapeHtml(v.s3.bytesScanned)} bytes decoded${v.s3.skipped.length ? `, ${v.s3.skipped.length} skipped` : ""}`,
      ],
    ]),
  );
}

function integritySection(report: LabReport): string {
  // Evidence written before the lab checked integrity has no such field.
  const integrity = (report as Partial<LabReport>).integrity;
  if (!integrity || integrity.status === "not-checked") {
    return section("integrity", "Log file integrity", "", `<p>${badge("not checked", "none")} ${escapeHtml(integrity?.reason ?? "")}</p>`);
  }
  const r = integrity.result;
  const failures = r?.failures.length
    ? `<ul>${r.failures.map((f) => `<li>${escapeHtml(f.kind)} <code>${escapeHtml(f.key)}</code>: ${escapeHtml(f.reason)}</li>`).join("")}</ul>`
    : "none";
  const gaps = r?.gaps.length
    ? `<ul>${r.gaps.map((g) => `<li>${escapeHtml(g.region)} ${instantText(g.from)} to ${instantText(g.to)}: ${escapeHtml(g.reason)}</li>`).join("")}</ul>`
    : "none";
  return section(
    "integrity",
    "Log file integrity",
    "Digest files and their signatures, validated by verify.",
    definitions([
      ["Result", integrity.status === "valid" ? badge("VALID", "ok") : badge("INVALID", "bad")],
      ["Reason", orDash(integrity.reason)],
      ["Digest files", r ? `${escapeHtml(r.digests.valid)}/${escapeHtml(r.digests.total)} valid` : "—"],
      ["Log files", r ? `${escapeHtml(r.logs.valid)}/${escapeHtml(r.logs.total)} valid` : "—"],
      ["Covered", r?.covered ? `${instantText(r.covered.from)} to ${instantText(r.covered.to)}` : "—"],
      ["Failures", failures],
      ["Gaps", gaps],
    ]),
  );
}

function cleanupSection(report: LabReport): string {
  const c = report.cleanup;
  const notes = [
    ...(report.error ? [`error: ${report.error.message}`] : []),
    ...(report.interrupted ? [`interrupted by ${report.interrupted}`] : []),
    ...report.warnings.map((w) => `warning: ${w}`),
  ];
  return section(
    "cleanup",
    "Cleanup",
    "",
    definitions([
      ["Result", cleanupBadge(report)],
      ["Destroy", c ? `${c.destroyed ? "succeeded" : "did not finish"} after ${escapeHtml(c.destroyAttempts)} attempt(s)` : "—"],
      [
        "Left over",
        c?.leftovers.length
          ? `<ul>${c.leftovers.map((l) => `<li>${escapeHtml(l.kind)} ${code(l.id)} (${escapeHtml(l.region)})</li>`).join("")}</ul>`
          : "nothing",
      ],
      ...(c?.leftRunning?.length
        ? [
            [
              "Still running",
              `<ul>${c.leftRunning.map((l) => `<li>${escapeHtml(l.command)} (pid ${escapeHtml(l.pid)}): output in ${code(l.output)}</li>`).join("")}</ul>`,
            ] as [string, string],
          ]
        : []),
      ["Commands", c?.commands.length ? c.commands.map((cmd) => code(cmd)).join("<br>") : "—"],
      ["Notes", notes.length ? `<ul>${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>` : "none"],
    ]),
  );
}

export function renderReportHtml(report: LabReport, page: PageFacts = { provenance: null, evidenceSha256: null }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>trail-lab evidence: ${escapeHtml(report.stack)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${head(report, page)}
${timelineSection(report)}
${verificationSection(report)}
${trailView(report)}
${bucketView(report)}
${logFileView(report, page.rawObject)}
${instanceView(report)}
${eventHistoryView(report)}
${dataEventsView(report)}
${findingsSection(report)}
${drillView(report)}
${integritySection(report)}
${cleanupSection(report)}
</main>
</body>
</html>
`;
}
