// The posture findings on the page: counts by status and severity first, then a row a verdict with
// Security Hub's id and severity, the CIS sections, the resource (ARN, region, what the bucket is
// to the stack), why it has its status, the risk, the evidence (folded), and what to do: the fix,
// as the AWS CLI command and the Pulumi change, and Security Hub's remediation page; or for a
// failure accepted on purpose, why (and the switch that turns it on, where one does).
import { countFindings, FINDING_STATUSES, SEVERITIES, type Finding, type FindingCounts, type FindingStatus } from "../../verify";
import type { LabReport } from "../evidence";
import { labFindings } from "./findings";
import { attr, badge, escapeHtml, instantText, section, type BadgeKind } from "./markup";
import { resourceCell } from "./views";

const STATUS_BADGE: Record<FindingStatus, [string, BadgeKind]> = {
  fail: ["FAIL", "bad"],
  accepted: ["ACCEPTED", "warn"],
  pass: ["PASS", "ok"],
  "n/a": ["N/A", "none"],
};

/** Only Security Hub's own remediation pages become links; anything else in the evidence stays text. */
const REMEDIATION_URL = /^https:\/\/docs\.aws\.amazon\.com\/console\/securityhub\/[A-Za-z0-9]+\.\d+\/remediation$/;

export function statusBadge(status: FindingStatus): string {
  // A word outside the four (only a tampered file rendered unchecked has one) shows as itself, escaped.
  const [text, kind] = STATUS_BADGE[status] ?? [String(status).toUpperCase(), "none"];
  return badge(text, kind, status === "n/a" ? "na" : status);
}

function severityBadge(severity: string | undefined): string {
  return severity ? `<span ${attr("class", `sev sev-${severity}`)}>${escapeHtml(severity)}</span>` : "—";
}

/** "0 fail · 7 accepted · 20 pass · 0 n/a", for the head of the page. */
export function countsLine(counts: FindingCounts): string {
  return FINDING_STATUSES.map((s) => `${counts.byStatus[s]} ${s}`).join(" · ");
}

function countsTable(counts: FindingCounts): string {
  const head = `<tr><th>severity</th>${FINDING_STATUSES.map((s) => `<th>${statusBadge(s)}</th>`).join("")}</tr>`;
  const rows = SEVERITIES.map(
    (sev) =>
      `<tr><td>${severityBadge(sev)}</td>${FINDING_STATUSES.map((s) => `<td class="num">${counts.bySeverity[sev][s] || ""}</td>`).join("")}</tr>`,
  ).join("");
  const total = `<tr class="total"><td>all</td>${FINDING_STATUSES.map((s) => `<td class="num">${counts.byStatus[s]}</td>`).join("")}</tr>`;
  return `<table class="counts"><thead>${head}</thead><tbody>${rows}${total}</tbody></table>`;
}

function whatToDo(f: Finding): string {
  const c = f.control;
  const url = typeof c.remediationUrl === "string" && REMEDIATION_URL.test(c.remediationUrl) ? c.remediationUrl : null;
  const link = url ? `<br><a ${attr("href", url)} rel="noreferrer noopener">Security Hub: ${escapeHtml(c.id)} remediation</a>` : "";
  if (f.accepted) {
    const setting = f.accepted.setting
      ? ` Turn it on with <code>${escapeHtml(f.accepted.setting)}</code>${f.accepted.file ? ` in <code>${escapeHtml(f.accepted.file)}</code>` : ""}.`
      : "";
    return `<strong>Accepted on purpose.</strong> ${escapeHtml(f.accepted.reason)}${setting}${link}`;
  }
  if (c.status === "pass") return "nothing";
  const remediation = c.remediation;
  const code = remediation
    ? `<details><summary>AWS CLI and Pulumi</summary><pre>${escapeHtml(remediation.cli)}</pre><pre>${escapeHtml(remediation.pulumi)}</pre></details>`
    : "";
  return `${c.fix ? escapeHtml(c.fix) : "—"}${code}${link}`;
}

/** Why the verdict is what it is, and what a failure puts at risk (absent from older evidence). */
function whyCell(f: Finding): string {
  const c = f.control;
  const detail = typeof c.statusDetail === "string" ? `<p>${escapeHtml(c.statusDetail)}</p>` : "";
  const risk = typeof c.risk === "string" && c.status !== "pass" ? `<p class="muted">Risk: ${escapeHtml(c.risk)}</p>` : "";
  return detail + risk;
}

function cisCell(f: Finding): string {
  const cis = f.control.cis as Finding["control"]["cis"] | undefined;
  if (!cis) return "—";
  const parts = (["v3.0.0", "v1.4.0"] as const)
    .filter((v) => cis[v])
    .map((v) => `<span class="nowrap">${escapeHtml(v)} ${escapeHtml(cis[v])}</span>`);
  return parts.length ? parts.join("<br>") : "—";
}

function row(f: Finding): string {
  const c = f.control;
  return (
    `<tr ${attr("class", `finding ${f.status === "n/a" ? "na" : f.status}`)} ${attr("data-control", c.id)}` +
    `${c.resource?.role ? ` ${attr("data-bucket-role", c.resource.role)}` : ""}>` +
    `<td>${statusBadge(f.status)}</td><td>${severityBadge(c.severity)}</td>` +
    `<td class="id"><code>${escapeHtml(c.id)}</code></td><td class="cis">${cisCell(f)}</td>` +
    `<td>${escapeHtml(c.title)}<br>${resourceCell(c)}${whyCell(f)}</td>` +
    `<td><details><summary>evidence</summary><pre>${escapeHtml(JSON.stringify(c.evidence, null, 1))}</pre></details></td>` +
    `<td class="todo">${whatToDo(f)}</td></tr>`
  );
}

export function findingsSection(report: LabReport): string {
  if (!report.posture)
    return section("findings", "Findings: CIS AWS Foundations / Security Hub controls", "", `<p>${badge("not checked", "none")}</p>`);
  const findings = labFindings(report);
  const counts = countFindings(findings);
  const source = `Posture's verdicts on the facts above${report.posture.checkedAt ? `, read at ${instantText(report.posture.checkedAt)}` : ""}. The same findings are kept beside this page as OCSF Compliance Findings (findings.ocsf.json), ASFF for Security Hub (findings.asff.json) and CSV (findings.csv).`;
  const table =
    `<table class="findings"><thead><tr><th>Status</th><th>Severity</th><th>Control</th><th>CIS</th><th>Finding and resource</th><th>Evidence</th><th>What to do</th></tr></thead>` +
    `<tbody>${findings.map(row).join("")}</tbody></table>`;
  return section(
    "findings",
    "Findings: CIS AWS Foundations / Security Hub controls",
    source,
    `<p class="meta counts-line">${countsLine(counts)}</p>${countsTable(counts)}${table}`,
  );
}
