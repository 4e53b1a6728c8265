// The data-event proof on the page (with trail-lab:dataEvents on): the canary object the lab wrote
// and read, and for each call, PutObject and GetObject, the record verify found in the trail's S3
// logs, with what makes it a data event of that object (eventCategory, resources[]). Event History
// is named for what it is here: it never holds data events. Nothing when the run had them off.
import type { LabReport } from "../evidence";
import type { LabDataEvents } from "../data-events";
import { badge, code, definitions, escapeHtml, instantText, orDash, section } from "./markup";

function resultBadge(d: LabDataEvents): string {
  if (d.status === "verified") return badge("VERIFIED", "ok");
  return d.status === "not-verified" ? badge("NOT VERIFIED", "bad") : badge("not checked", "none");
}

function objectArns(record: Record<string, unknown>): string[] {
  const resources = Array.isArray(record.resources) ? (record.resources as { type?: unknown; ARN?: unknown }[]) : [];
  return resources.filter((r) => r?.type === "AWS::S3::Object" && typeof r.ARN === "string").map((r) => String(r.ARN));
}

function callRow(name: string, evidence: LabDataEvents["putObject"], objectArn: string): string {
  if (!evidence) return `<tr><th>${escapeHtml(name)}</th><td colspan="5">not asked</td></tr>`;
  const record = (evidence.event ?? {}) as Record<string, unknown>;
  const arns = objectArns(record);
  const names = arns.includes(objectArn) ? badge("names the object", "ok") : evidence.event ? badge("does not name the object", "bad") : "";
  return (
    `<tr><th>${escapeHtml(name)}</th>` +
    `<td>${evidence.s3.found ? badge("found", "ok") : badge("not found", "bad")} ${evidence.s3.key ? code(`s3://${evidence.s3.bucket}/${evidence.s3.key}`) : ""}</td>` +
    `<td>${code(evidence.s3.eventId)}<br>${instantText(evidence.s3.eventTime)}</td>` +
    `<td>${orDash(record.eventCategory)} ${record.eventCategory === "Data" ? badge("data event", "ok") : ""}</td>` +
    `<td>${arns.map((arn) => code(arn)).join("<br>") || "—"} ${names}</td>` +
    `<td>${escapeHtml(evidence.s3.objectsScanned)} log files read</td></tr>`
  );
}

export function dataEventsView(report: LabReport): string {
  // Evidence written before data events existed has no such field.
  const d = (report as Partial<LabReport>).dataEvents;
  if (!d) return "";
  const o = d.object;
  const rows: [string, string][] = [
    ["Result", `${resultBadge(d)} ${orDash(d.reason)}`],
    ["Canary object", `${code(`s3://${d.bucket}/${d.key}`)}<br>${code(d.objectArn)}`],
    ["Written (PutObject)", o ? instantText(o.writtenAt) : "—"],
    ["Read back (GetObject)", o ? `${instantText(o.readAt)}, ${escapeHtml(o.bytes)} bytes, the same SHA-256 ${code(o.sha256)}` : "—"],
    ["Version", code(o?.versionId)],
    ["Event History", "not asked: it holds management events only, never data events"],
  ];
  const calls =
    `<table class="inner"><thead><tr><th>call</th><th>in the S3 log files</th><th>eventID, eventTime</th><th>eventCategory</th><th>resources[] (AWS::S3::Object)</th><th>searched</th></tr></thead>` +
    `<tbody>${callRow("PutObject", d.putObject, d.objectArn)}${callRow("GetObject", d.getObject, d.objectArn)}</tbody></table>`;
  return section(
    "data-events",
    "Data events",
    "PutObject and GetObject sent by the lab to the canary bucket; each record found by verify in the trail's S3 logs.",
    definitions(rows) + calls,
  );
}
