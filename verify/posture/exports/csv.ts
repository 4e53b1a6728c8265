// Posture findings as CSV, one row per verdict, with the reason (status detail) and the risk so that
// a reader sees why without opening the JSON, for a spreadsheet or a ticket: RFC 4180 quoting
// (CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled), and a cell that
// a spreadsheet would read as a formula (=, +, -, @, tab, CR first) prefixed with ' so that a trail
// or bucket name chosen by someone else can never run as one.
import { acceptanceText, cisRequirements, type Finding, type FindingsContext } from "./findings";

export const CSV_COLUMNS = [
  "status",
  "severity",
  "control_id",
  "title",
  "cis_v3_0_0",
  "cis_v1_4_0",
  "status_detail",
  "risk",
  "resource_type",
  "resource_arn",
  "resource_name",
  "bucket_role",
  "region",
  "account",
  "remediation_url",
  "fix",
  "fix_cli",
  "fix_pulumi",
  "accepted_reason",
  "accepted_setting",
  "checked_at",
  "tool",
] as const;

function cell(value: string | null): string {
  let text = value ?? "";
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function findingsCsv(findings: readonly Finding[], context: FindingsContext): string {
  const rows = findings.map((f) => {
    const c = f.control;
    const cis = cisRequirements(c);
    const section = (version: string) => cis.find((r) => r.includes(` ${version}/`))?.split("/")[1] ?? null;
    return [
      f.status,
      c.severity,
      c.id,
      c.title,
      section("v3.0.0"),
      section("v1.4.0"),
      f.accepted ? `${c.statusDetail ?? ""} ${acceptanceText(f.accepted)}`.trim() : (c.statusDetail ?? null),
      c.risk ?? null,
      c.resource.type,
      c.resource.arn,
      c.resource.name ?? null,
      c.resource.role ?? null,
      c.resource.region,
      context.account,
      c.remediationUrl,
      c.fix,
      c.remediation?.cli ?? null,
      c.remediation?.pulumi ?? null,
      f.accepted?.reason ?? null,
      f.accepted?.setting ? `${f.accepted.setting}${f.accepted.file ? ` in ${f.accepted.file}` : ""}` : null,
      context.time,
      `${context.product.name} ${context.product.version}`,
    ];
  });
  return [[...CSV_COLUMNS], ...rows].map((row) => `${row.map(cell).join(",")}\r\n`).join("");
}
