// The human table `npm run verify -- --posture` prints on stdout when --json is not given: one
// line per verdict (a bucket-level control once per bucket, with the bucket named), and under each
// one that does not pass the reason, the evidence and the fix, or why it is accepted.
import type { PostureReport } from "./types";

const MARK = { pass: "PASS", fail: "FAIL", "n/a": "N/A ", accepted: "ACC " } as const;

function evidenceLine(evidence: Record<string, unknown>): string {
  return Object.entries(evidence)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
}

export function postureSummary(report: PostureReport): string {
  const width = Math.max(...report.controls.map((c) => c.id.length));
  const lines: string[] = [];
  for (const c of report.controls) {
    const mark = c.status === "fail" && c.accepted ? MARK.accepted : MARK[c.status];
    const on =
      c.resource?.type === "AWS::S3::Bucket" && c.resource.name
        ? ` [s3://${c.resource.name}${c.resource.role ? `, ${c.resource.role}` : ""}]`
        : "";
    lines.push(`${mark}  ${c.id.padEnd(width)}  ${c.title}${on}`);
    if (c.status !== "pass") {
      if (c.statusDetail) lines.push(`      why:  ${c.statusDetail}`);
      lines.push(`      seen: ${evidenceLine(c.evidence)}`);
      if (c.accepted) lines.push(`      accepted: ${c.accepted.reason}`);
      else if (c.fix) lines.push(`      fix:  ${c.fix}`);
    }
  }
  for (const u of report.facts?.unreadBuckets ?? []) lines.push(`NOTE  ${u.role} bucket ${u.name || "(none)"} not judged: ${u.reason}`);
  const count = (test: (c: PostureReport["controls"][number]) => boolean) => report.controls.filter(test).length;
  lines.push(
    `${count((c) => c.status === "pass")} pass, ${count((c) => c.status === "fail" && !c.accepted)} fail, ` +
      `${count((c) => c.status === "fail" && !!c.accepted)} accepted, ${count((c) => c.status === "n/a")} n/a`,
  );
  return `${lines.join("\n")}\n`;
}
