// The evidence of one lab run as a single self-contained HTML page (lab-runs/<stack>/report.html):
// inline CSS, no script, font, image or link, and a Content-Security-Policy that forbids fetching
// anything, so it opens the same offline, attached to a ticket, years later. Every value from the
// evidence is escaped: log records carry caller-controlled strings (user agents, request fields).
import type { LabReport } from "../evidence";
import { timeline } from "./timeline";

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const STYLE = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2430; margin: 0; background: #f4f6f9; }
  main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid #d5dbe3; padding-bottom: 4px; }
  .meta { color: #556070; margin: 0 0 12px; }
  table { border-collapse: collapse; width: 100%; background: #fff; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
  th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid #e6eaf0; }
  th { background: #eef1f5; font-weight: 600; font-size: 13px; }
  td.when, td.id { white-space: nowrap; font-variant-numeric: tabular-nums; }
  code, pre { font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
  pre { background: #fff; border: 1px solid #d5dbe3; padding: 12px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: 0; }
  td pre { border: 0; padding: 0; background: transparent; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; letter-spacing: .02em; }
  .pass, .ok { background: #dcf3e3; color: #11612b; }
  .fail, .bad { background: #fbe0de; color: #8f1d16; }
  .na, .none { background: #e8ebf0; color: #4a5565; }
  .verdict { font-size: 15px; padding: 3px 12px; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; padding: 12px; margin: 0; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
  dt { color: #556070; }
  dd { margin: 0; word-break: break-all; }
  ul { margin: 4px 0; padding-left: 20px; }
`;

/** `name="value"` with the value escaped: no attribute value is ever written unescaped. */
export function attr(name: string, value: string): string {
  return `${name}="${escapeHtml(value)}"`;
}

const badge = (text: string, kind: "ok" | "bad" | "none", extra = "") => `<span ${attr("class", `badge ${kind}${extra ? ` ${extra}` : ""}`)}>${escapeHtml(text)}</span>`;
const orDash = (value: unknown) => (value === null || value === undefined || value === "" ? "—" : escapeHtml(value));
const definitions = (rows: [string, string][]) => `<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join("")}</dl>`;

function offset(from: string, at: string | null): string {
  if (!at) return "";
  const s = Math.round((Date.parse(at) - Date.parse(from)) / 1000);
  if (!Number.isFinite(s)) return "";
  return `${s < 0 ? "−" : "+"}${Math.floor(Math.abs(s) / 60)}m${String(Math.abs(s) % 60).padStart(2, "0")}s`;
}

function timelineSection(report: LabReport): string {
  const rows = timeline(report)
    .map(
      (step) =>
        `<tr><td>${escapeHtml(step.label)}</td><td class="when">${orDash(step.at)}</td><td class="when">${escapeHtml(offset(report.startedAt, step.at))}</td>` +
        `<td>${escapeHtml(step.detail)}</td></tr>`,
    )
    .join("");
  return `<h2>Timeline (UTC)</h2><table><thead><tr><th>Step</th><th>Time</th><th>Since start</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function verificationSection(report: LabReport): string {
  const v = report.verify;
  if (!v) return `<h2>Verification</h2><p>${badge("not run", "none")} ${orDash(report.error?.message)}</p>`;
  return (
    `<h2>Verification</h2>` +
    definitions([
      ["Verdict", v.verified ? badge("VERIFIED", "ok") : badge("NOT VERIFIED", "bad")],
      ["Trail", `${escapeHtml(v.trail.name)}${v.trail.arn ? ` <code>${escapeHtml(v.trail.arn)}</code>` : ""}`],
      ["Event ID", v.s3.eventId ? `<code>${escapeHtml(v.s3.eventId)}</code>` : "—"],
      ["Event time", orDash(v.s3.eventTime)],
      ["S3 log object", v.s3.key ? `<code>s3://${escapeHtml(v.trail.bucket ?? "?")}/${escapeHtml(v.s3.key)}</code>` : "not found"],
      ["Event History", v.eventHistory ? (v.eventHistory.found ? `found, eventID <code>${escapeHtml(v.eventHistory.eventId ?? "?")}</code>` : "not found") : "not consulted"],
      ["Scanned", `${escapeHtml(v.s3.objectsScanned)} log files, ${escapeHtml(v.s3.bytesScanned)} bytes`],
      ["Raw log copy", report.rawObject ? `<code>${escapeHtml(report.rawObject)}</code>` : "—"],
    ])
  );
}

function postureSection(report: LabReport): string {
  const posture = report.posture;
  if (!posture) return `<h2>Posture</h2><p>${badge("not checked", "none")}</p>`;
  const kind = { pass: "ok", fail: "bad", "n/a": "none" } as const;
  const rows = posture.controls
    .map(
      (c) =>
        `<tr><td class="id"><code>${escapeHtml(c.id)}</code></td><td>${escapeHtml(c.title)}</td><td>${badge(c.status.toUpperCase(), kind[c.status], c.status === "n/a" ? "na" : c.status)}</td>` +
        `<td><pre>${escapeHtml(JSON.stringify(c.evidence, null, 1))}</pre></td><td>${orDash(c.fix)}</td></tr>`,
    )
    .join("");
  const count = (s: string) => posture.controls.filter((c) => c.status === s).length;
  return (
    `<h2>Posture: CIS AWS Foundations / Security Hub controls</h2>` +
    `<p class="meta">${count("pass")} pass, ${count("fail")} fail, ${count("n/a")} n/a</p>` +
    `<table><thead><tr><th>Control</th><th>Title</th><th>Status</th><th>Evidence</th><th>Fix</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

function integritySection(report: LabReport): string {
  // Evidence written before the lab checked integrity has no such field.
  const integrity = (report as Partial<LabReport>).integrity;
  if (!integrity || integrity.status === "not-checked") {
    return `<h2>Log file integrity</h2><p>${badge("not checked", "none")} ${escapeHtml(integrity?.reason ?? "")}</p>`;
  }
  const r = integrity.result;
  const failures = r?.failures.length
    ? `<ul>${r.failures.map((f) => `<li>${escapeHtml(f.kind)} <code>${escapeHtml(f.key)}</code>: ${escapeHtml(f.reason)}</li>`).join("")}</ul>`
    : "none";
  const gaps = r?.gaps.length ? `<ul>${r.gaps.map((g) => `<li>${escapeHtml(g.region)} ${orDash(g.from)} to ${orDash(g.to)}: ${escapeHtml(g.reason)}</li>`).join("")}</ul>` : "none";
  return (
    `<h2>Log file integrity</h2>` +
    definitions([
      ["Result", integrity.status === "valid" ? badge("VALID", "ok") : badge("INVALID", "bad")],
      ["Reason", orDash(integrity.reason)],
      ["Digest files", r ? `${escapeHtml(r.digests.valid)}/${escapeHtml(r.digests.total)} valid` : "—"],
      ["Log files", r ? `${escapeHtml(r.logs.valid)}/${escapeHtml(r.logs.total)} valid` : "—"],
      ["Covered", r?.covered ? `${escapeHtml(r.covered.from)} to ${escapeHtml(r.covered.to)}` : "—"],
      ["Failures", failures],
      ["Gaps", gaps],
    ])
  );
}

function cleanupSection(report: LabReport): string {
  const c = report.cleanup;
  const notes = [
    ...(report.error ? [`error: ${report.error.message}`] : []),
    ...(report.interrupted ? [`interrupted by ${report.interrupted}`] : []),
    ...report.warnings.map((w) => `warning: ${w}`),
  ];
  return (
    `<h2>Cleanup</h2>` +
    definitions([
      ["Result", !c ? "not run" : c.mode === "kept" ? badge("KEPT", "none") : c.complete ? badge("COMPLETE", "ok") : badge("INCOMPLETE", "bad")],
      ["Left over", c?.leftovers.length ? `<ul>${c.leftovers.map((l) => `<li>${escapeHtml(l.kind)} ${escapeHtml(l.id)} (${escapeHtml(l.region)})</li>`).join("")}</ul>` : "nothing"],
      ["Commands", c?.commands.length ? c.commands.map((cmd) => `<code>${escapeHtml(cmd)}</code>`).join("<br>") : "—"],
      ["Notes", notes.length ? `<ul>${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>` : "none"],
    ])
  );
}

export function renderReportHtml(report: LabReport): string {
  const verified = report.verify?.verified === true;
  const record = report.verify?.event ?? null;
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
<h1>trail-lab evidence report ${verified ? badge("VERIFIED", "ok", "verdict") : badge("NOT VERIFIED", "bad", "verdict")}</h1>
<p class="meta">stack <code>${escapeHtml(report.stack)}</code> · region ${orDash(report.region)} · account ${orDash(report.accountId)} · caller ${orDash(report.callerArn)}<br>
started ${escapeHtml(report.startedAt)} · finished ${orDash(report.finishedAt)} · exit code ${orDash(report.exitCode)}</p>
${timelineSection(report)}
${verificationSection(report)}
${postureSection(report)}
${integritySection(report)}
${cleanupSection(report)}
<h2>Matched record</h2>
${record ? `<pre id="record">${escapeHtml(JSON.stringify(record, null, 2))}</pre>` : "<p>none</p>"}
</main>
</body>
</html>
`;
}
